import type { Emulator } from './emulator.js'
import { orgInvalidToken, type EmResponse } from './errors.js'
import type { EmRequest } from './http.js'
import { initiatorAccepted } from './initiator.js'
import { invalidPayload, openDarajaRequest, type DarajaOpening, type DarajaRequest } from './daraja-request.js'
import { stringField } from './validate.js'

/** The org APIs (B2C, Transaction Status, Account Balance, Reversal) answer a bad token with 401 and a body that is not JSON with 400.002.05. */
export const ORG_OPENING: DarajaOpening = { invalidToken: orgInvalidToken, notJson: invalidPayload }

/** An org-API request past its common checks, with the rest of its body to read. */
export interface OrgRequest extends DarajaRequest {
  /** Whether Initiator and SecurityCredential pass (the verdict comes later, as result 2001). */
  credentialsOk: boolean
}

/**
 * The checks the asynchronous org APIs start with, in Daraja's order: the opening (token, JSON
 * body), `Initiator`, `SecurityCredential`, then `CommandID`. Returns the refusal, or the request
 * to go on reading.
 */
export function readOrgRequest(em: Emulator, req: EmRequest, commandId: string): OrgRequest | { refused: EmResponse } {
  const request = openDarajaRequest(em, req, ORG_OPENING)
  if ('refused' in request) return request
  const { body, fail } = request
  const initiator = stringField(body, 'Initiator')
  if (!initiator) return { refused: fail('Initiator') }
  const securityCredential = stringField(body, 'SecurityCredential')
  if (!securityCredential) return { refused: fail('SecurityCredential') }
  if (body.CommandID !== commandId) return { refused: fail('CommandID') }
  return { ...request, credentialsOk: initiatorAccepted(em, initiator, securityCredential) }
}

export interface OrgAck {
  conversationId: string
  originatorConversationId: string
  response: EmResponse
}

/** The acknowledgement that only says the request was taken (the verdict goes to ResultURL). */
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
