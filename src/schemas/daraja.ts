/**
 * Daraja's wire format, shared by the emulator and the gateway's Daraja client so the two speak
 * one format. test/emulator/fixtures.test.ts checks these schemas, and the emulator's output,
 * against Daraja's published bodies in test/fixtures/daraja/.
 */
import { z } from 'zod'

export const darajaErrorSchema = z.object({
  requestId: z.string(),
  errorCode: z.string(),
  errorMessage: z.string(),
})
export type DarajaError = z.infer<typeof darajaErrorSchema>

export const oauthResponseSchema = z.object({
  access_token: z.string(),
  /** A string on the wire ("3599"), a number in the portal docs: accept both. */
  expires_in: z.union([z.string(), z.number()]),
})
export type OAuthResponse = z.infer<typeof oauthResponseSchema>

export const stkPushResponseSchema = z.object({
  MerchantRequestID: z.string(),
  CheckoutRequestID: z.string(),
  ResponseCode: z.string(),
  ResponseDescription: z.string(),
  CustomerMessage: z.string(),
})
export type StkPushResponse = z.infer<typeof stkPushResponseSchema>

export const stkQueryResponseSchema = z.object({
  ResponseCode: z.string(),
  ResponseDescription: z.string(),
  MerchantRequestID: z.string(),
  CheckoutRequestID: z.string(),
  /** A string in query answers ("1037"), unlike the callback's number. */
  ResultCode: z.union([z.string(), z.number()]),
  ResultDesc: z.string(),
})
export type StkQueryResponse = z.infer<typeof stkQueryResponseSchema>

export const callbackItemSchema = z.object({
  Name: z.string(),
  /** The Balance item carries no Value at all. */
  Value: z.union([z.string(), z.number()]).optional(),
})
export type CallbackItem = z.infer<typeof callbackItemSchema>

export const stkCallbackSchema = z.object({
  Body: z.object({
    stkCallback: z.object({
      MerchantRequestID: z.string(),
      CheckoutRequestID: z.string(),
      ResultCode: z.union([z.number(), z.string()]),
      ResultDesc: z.string(),
      CallbackMetadata: z.object({ Item: z.array(callbackItemSchema) }).optional(),
    }),
  }),
})
export type StkCallback = z.infer<typeof stkCallbackSchema>

export const b2cAckSchema = z.object({
  ConversationID: z.string(),
  OriginatorConversationID: z.string(),
  ResponseCode: z.string(),
  ResponseDescription: z.string(),
})
export type B2cAck = z.infer<typeof b2cAckSchema>

export const resultParameterSchema = z.object({ Key: z.string(), Value: z.union([z.string(), z.number()]).optional() })

export const b2cResultSchema = z.object({
  Result: z.object({
    ResultType: z.union([z.number(), z.string()]),
    ResultCode: z.union([z.number(), z.string()]),
    ResultDesc: z.string(),
    OriginatorConversationID: z.string(),
    ConversationID: z.string(),
    TransactionID: z.string(),
    ResultParameters: z.object({ ResultParameter: z.array(resultParameterSchema) }).optional(),
    ReferenceData: z.unknown().optional(),
  }),
})
export type B2cResult = z.infer<typeof b2cResultSchema>

/** Transaction Status (`/mpesa/transactionstatus/v1/query`): the same ack as B2C's (the OriginatorConversationID is made by the server). */
export const transactionStatusAckSchema = b2cAckSchema
export type TransactionStatusAck = B2cAck

/** B2C's result envelope; a not-found answer has no receipt, and one parameter may come unwrapped. */
export const transactionStatusResultSchema = z.object({
  Result: b2cResultSchema.shape.Result.extend({
    TransactionID: z.string().optional(),
    ResultParameters: z.object({ ResultParameter: z.union([z.array(resultParameterSchema), resultParameterSchema]) }).optional(),
  }),
})
export type TransactionStatusResult = z.infer<typeof transactionStatusResultSchema>

/** Reads a callback item by Name (never by position: Safaricom's order has changed over time). */
export function callbackItem(items: CallbackItem[] | undefined, name: string): string | number | undefined {
  return items?.find((item) => item.Name === name)?.Value
}

/** Reads a B2C result parameter by Key. */
export function resultParameter(
  params: Array<z.infer<typeof resultParameterSchema>> | undefined,
  key: string,
): string | number | undefined {
  return params?.find((p) => p.Key === key)?.Value
}

/** Sandbox defaults, as printed by the emulator and published by Safaricom. */
export const SANDBOX_SHORTCODE = '174379'
export const SANDBOX_PASSKEY = 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919'
export const SANDBOX_TEST_MSISDN = '254708374149'
export const SANDBOX_B2C_SHORTCODE = '600997'
export const SANDBOX_INITIATOR_NAME = 'testapi'
export const SANDBOX_INITIATOR_PASSWORD = 'Safaricom999!*!'
