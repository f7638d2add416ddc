import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { IDENTIFIER_TYPES, orgAck, readOrgRequest } from '../org-api.js'
import { noTransactionId } from '../org-results.js'
import { msisdnField, optionalStringField, shortcodeField, stringField, urlField } from '../validate.js'

/**
 * `POST /mpesa/transactionstatus/v1/query` (daraja.md §6.1): acknowledged at once, answered on
 * `ResultURL`. Fields are checked in the order of Daraja's request table; like B2C, the ack never
 * judges the credential (a wrong one comes back as result 2001).
 */
export function transactionStatus(em: Emulator, req: EmRequest): EmResponse {
  const request = readOrgRequest(em, req, 'TransactionStatusQuery')
  if ('refused' in request) return request.refused
  const { body, fail } = request
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

  const ack = orgAck(em)
  em.startTransactionStatus({
    conversationId: ack.conversationId,
    originatorConversationId: ack.originatorConversationId,
    transactionId: transactionId?.trim() || null,
    originalConversationId: originalConversationId?.trim() || null,
    resultUrl,
    occasion: occasion ?? null,
    credentialsOk: request.credentialsOk,
    forced: em.faults.takeTransactionStatus(),
    paddedTransactionId: noTransactionId(em.ids.receipt(em.now())),
  })
  return ack.response
}
