import type { Emulator } from './emulator.js'
import { darajaError, type EmResponse } from './errors.js'

/**
 * What the asynchronous "org" APIs (Account Balance, Reversal) share with B2C and Transaction
 * Status: the 400.002.05 for a body that is not JSON, and the acknowledgement that only says the
 * request was taken (the verdict goes to ResultURL).
 */
export const invalidPayload = (requestId: string) => darajaError({ status: 400, errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' }, requestId)

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
