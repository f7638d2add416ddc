import type { Emulator } from '../emulator.js'
import { darajaError, invalidField, orgInvalidToken, type EmResponse } from '../errors.js'
import { bearerToken, type EmRequest } from '../http.js'
import { initiatorAccepted } from '../initiator.js'
import { msisdnField, optionalStringField, parseJsonObject, shortcodeField, stringField, urlField } from '../validate.js'

const IDENTIFIER_TYPES = ['1', '2', '4']

/**
 * `POST /mpesa/transactionstatus/v1/query` (daraja.md §6.1): acknowledged at once, answered on
 * `ResultURL`. Fields are checked in the order of Daraja's request table; like B2C, the ack never
 * judges the credential (a wrong one comes back as result 2001).
 */
export function transactionStatus(em: Emulator, req: EmRequest): EmResponse {
  const requestId = em.ids.serverId()
  if (!em.tokenValid(bearerToken(req))) return darajaError(orgInvalidToken, requestId)
  const fail = (field: string) => darajaError(invalidField(field), requestId)

  const body = parseJsonObject(req.bodyText)
  if (!body) return darajaError({ status: 400, errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' }, requestId)
  const initiator = stringField(body, 'Initiator')
  if (!initiator) return fail('Initiator')
  const securityCredential = stringField(body, 'SecurityCredential')
  if (!securityCredential) return fail('SecurityCredential')
  if (body.CommandID !== 'TransactionStatusQuery') return fail('CommandID')
  const transactionId = optionalStringField(body, 'TransactionID')
  const originalConversationId = optionalStringField(body, 'OriginalConversationID')
  if (transactionId === false) return fail('TransactionID')
  if (originalConversationId === false) return fail('OriginalConversationID')
  if (!transactionId?.trim() && !originalConversationId?.trim()) return fail('TransactionID')
  const identifierType = typeof body.IdentifierType === 'number' ? String(body.IdentifierType) : body.IdentifierType
  const partyA = identifierType === '1' ? msisdnField(body, 'PartyA') : shortcodeField(body, 'PartyA')
  if (!partyA) return fail('PartyA')
  if (typeof identifierType !== 'string' || !IDENTIFIER_TYPES.includes(identifierType)) return fail('IdentifierType')
  const resultUrl = urlField(body, 'ResultURL')
  if (!resultUrl) return fail('ResultURL')
  if (!urlField(body, 'QueueTimeOutURL')) return fail('QueueTimeOutURL')
  if (!stringField(body, 'Remarks')) return fail('Remarks')
  const occasion = optionalStringField(body, 'Occasion')
  if (occasion === false) return fail('Occasion')

  const now = em.now()
  const conversationId = em.ids.conversationId(now)
  const originatorConversationId = em.ids.serverId()
  em.startTransactionStatus({
    conversationId,
    originatorConversationId,
    transactionId: transactionId?.trim() || null,
    originalConversationId: originalConversationId?.trim() || null,
    resultUrl,
    occasion: occasion ?? null,
    credentialsOk: initiatorAccepted(em, initiator, securityCredential),
    forced: em.faults.takeTransactionStatus(),
    paddedTransactionId: `${em.ids.receipt(now).slice(0, 3)}0000000`,
  })
  return {
    status: 200,
    body: {
      OriginatorConversationID: originatorConversationId,
      ConversationID: conversationId,
      ResponseCode: '0',
      ResponseDescription: 'Accept the service request successfully.',
    },
  }
}
