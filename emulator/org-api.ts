import type { Emulator } from './emulator.js'
import { darajaError, invalidField, orgInvalidToken, type EmResponse } from './errors.js'
import { bearerToken, type EmRequest } from './http.js'
import { initiatorAccepted } from './initiator.js'
import { parseJsonObject, stringField } from './validate.js'

/**
 * What the asynchronous "org" APIs (Account Balance, Reversal) share with B2C and Transaction
 * Status: the 400.002.05 for a body that is not JSON, and the acknowledgement that only says the
 * request was taken (the verdict goes to ResultURL).
 */
export const invalidPayload = (requestId: string) => darajaError({ status: 400, errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' }, requestId)

/** An org-API request past its common checks, with the rest of its body to read. */
export interface OrgRequest {
  body: Record<string, unknown>
  /** `400.002.02 Bad Request - Invalid <field>` for this request. */
  fail: (field: string) => EmResponse
  /** Whether Initiator and SecurityCredential pass (the verdict comes later, as result 2001). */
  credentialsOk: boolean
}

/**
 * The checks every org API starts with, in Daraja's order: the token (`401.002.01`), a JSON body
 * (`400.002.05`), `Initiator`, `SecurityCredential`, then `CommandID`. Returns the refusal, or
 * the request to go on reading.
 */
export function readOrgRequest(em: Emulator, req: EmRequest, commandId: string): OrgRequest | { refused: EmResponse } {
  const requestId = em.ids.serverId()
  if (!em.tokenValid(bearerToken(req))) return { refused: darajaError(orgInvalidToken, requestId) }
  const fail = (field: string) => darajaError(invalidField(field), requestId)
  const body = parseJsonObject(req.bodyText)
  if (!body) return { refused: invalidPayload(requestId) }
  const initiator = stringField(body, 'Initiator')
  if (!initiator) return { refused: fail('Initiator') }
  const securityCredential = stringField(body, 'SecurityCredential')
  if (!securityCredential) return { refused: fail('SecurityCredential') }
  if (body.CommandID !== commandId) return { refused: fail('CommandID') }
  return { body, fail, credentialsOk: initiatorAccepted(em, initiator, securityCredential) }
}

export interface OrgAck {
  conversationId: string
  originatorConversationId: string
  response: EmResponse
}

export function orgAck(em: Emulator): OrgAck {
  const conversationId = em.ids.conversationId(em.now())
  const originatorConversationId = em.ids.serverId()
  return {
    conversationId,
    originatorConversationId,
    response: {
      status: 200,
      body: {
        OriginatorConversationID: originatorConversationId,
        ConversationID: conversationId,
        ResponseCode: '0',
        ResponseDescription: 'Accept the service request successfully.',
      },
    },
  }
}

export const IDENTIFIER_TYPES = ['1', '2', '4']

/** `IdentifierType` / `RecieverIdentifierType`: 1 MSISDN, 2 till, 4 shortcode (Daraja also has 11); number or string. */
export function identifierType(value: unknown, allowed = IDENTIFIER_TYPES): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined
  return text !== undefined && allowed.includes(text) ? text : undefined
}
