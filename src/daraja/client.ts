import { b2cAckSchema, stkPushResponseSchema, stkQueryResponseSchema } from '../schemas/daraja.js'
import type { B2cAck, StkPushResponse, StkQueryResponse } from '../schemas/daraja.js'
import { darajaTimestamp, stkPassword } from '../utils/daraja-time.js'
import { darajaCall } from './call.js'
import { DarajaCallError } from './errors.js'
import { TokenCache } from './token-cache.js'

export interface DarajaSettings {
  baseUrl: string
  consumerKey: string
  consumerSecret: string
  shortcode: string
  passkey: string
  transactionType: 'CustomerPayBillOnline' | 'CustomerBuyGoodsOnline'
  partyB?: string
  b2cShortcode?: string
  initiatorName?: string
  securityCredential?: string
  timeoutMs: number
}

export interface StkPushInput {
  phone: string
  amount: number
  reference: string
  description: string
  callbackUrl: string
}

export interface B2cInput {
  originatorConversationId: string
  phone: string
  amount: number
  remarks: string
  resultUrl: string
  queueTimeoutUrl: string
}

/** Daraja's own field limits (daraja.md §3.1); the full values stay on our transaction. */
const ACCOUNT_REFERENCE_MAX = 12
const TRANSACTION_DESC_MAX = 13

export interface DarajaClient {
  stkPush(input: StkPushInput): Promise<StkPushResponse>
  stkQuery(checkoutRequestId: string): Promise<{ status: number; data: StkQueryResponse }>
  b2c(input: B2cInput): Promise<B2cAck>
}

export function createDarajaClient(settings: DarajaSettings): DarajaClient {
  const tokens = new TokenCache({
    baseUrl: settings.baseUrl,
    consumerKey: settings.consumerKey,
    consumerSecret: settings.consumerSecret,
    timeoutMs: settings.timeoutMs,
  })
  const common = { baseUrl: settings.baseUrl, tokens, timeoutMs: settings.timeoutMs }
  const credentials = () => {
    // Daraja's convention is East Africa Time, which is what we send.
    const timestamp = darajaTimestamp()
    return { BusinessShortCode: settings.shortcode, Password: stkPassword(settings.shortcode, settings.passkey, timestamp), Timestamp: timestamp }
  }

  return {
    async stkPush(input) {
      const answer = await darajaCall({
        ...common,
        path: '/mpesa/stkpush/v1/processrequest',
        schema: stkPushResponseSchema,
        body: {
          ...credentials(),
          TransactionType: settings.transactionType,
          Amount: input.amount,
          PartyA: input.phone,
          PartyB: settings.partyB ?? settings.shortcode,
          PhoneNumber: input.phone,
          CallBackURL: input.callbackUrl,
          AccountReference: input.reference.slice(0, ACCOUNT_REFERENCE_MAX),
          TransactionDesc: input.description.slice(0, TRANSACTION_DESC_MAX),
        },
      })
      if (answer.data.ResponseCode !== '0') {
        throw new DarajaCallError('refused', answer.status, answer.data.ResponseCode, answer.data.ResponseDescription)
      }
      return answer.data
    },

    async stkQuery(checkoutRequestId) {
      return darajaCall({
        ...common,
        path: '/mpesa/stkpushquery/v1/query',
        schema: stkQueryResponseSchema,
        body: { ...credentials(), CheckoutRequestID: checkoutRequestId },
      })
    },

    async b2c(input) {
      if (!settings.b2cShortcode || !settings.initiatorName || !settings.securityCredential) {
        throw new DarajaCallError('refused', null, null, 'B2C is not configured (DARAJA_B2C_SHORTCODE, DARAJA_INITIATOR_NAME, DARAJA_SECURITY_CREDENTIAL)')
      }
      const answer = await darajaCall({
        ...common,
        path: '/mpesa/b2c/v3/paymentrequest',
        schema: b2cAckSchema,
        body: {
          OriginatorConversationID: input.originatorConversationId,
          InitiatorName: settings.initiatorName,
          SecurityCredential: settings.securityCredential,
          CommandID: 'BusinessPayment',
          Amount: input.amount,
          PartyA: settings.b2cShortcode,
          PartyB: input.phone,
          Remarks: input.remarks.slice(0, 100),
          QueueTimeOutURL: input.queueTimeoutUrl,
          ResultURL: input.resultUrl,
          Occassion: 'Payout',
        },
      })
      if (answer.data.ResponseCode !== '0') {
        throw new DarajaCallError('refused', answer.status, answer.data.ResponseCode, answer.data.ResponseDescription)
      }
      return answer.data
    },
  }
}
