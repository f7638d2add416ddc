import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { identifierType, orgAck, readOrgRequest } from '../org-api.js'
import { amountField, optionalStringField, shortcodeField, stringField, urlField } from '../validate.js'

/**
 * `POST /mpesa/reversal/v1/request`: acknowledged at once; the verdict goes to `ResultURL`.
 * `RecieverIdentifierType` is Safaricom's spelling and the only one accepted: a request with the
 * correct spelling instead is refused with `Bad Request - Invalid RecieverIdentifierType`.
 */
export function reversal(em: Emulator, req: EmRequest): EmResponse {
  const request = readOrgRequest(em, req, 'TransactionReversal')
  if ('refused' in request) return request.refused
  const { body, fail } = request
  const transactionId = stringField(body, 'TransactionID')
  if (!transactionId) return fail('TransactionID')
  const amount = amountField(body)
  if (amount === undefined) return fail('Amount')
  const receiverParty = shortcodeField(body, 'ReceiverParty')
  if (!receiverParty) return fail('ReceiverParty')
  if (!identifierType(body.RecieverIdentifierType, ['1', '2', '4', '11'])) return fail('RecieverIdentifierType')
  const resultUrl = urlField(body, 'ResultURL')
  if (!resultUrl) return fail('ResultURL')
  if (!urlField(body, 'QueueTimeOutURL')) return fail('QueueTimeOutURL')
  if (!stringField(body, 'Remarks')) return fail('Remarks')
  if (optionalStringField(body, 'Occasion') === false) return fail('Occasion')

  const ack = orgAck(em)
  em.startReversal({
    conversationId: ack.conversationId,
    originatorConversationId: ack.originatorConversationId,
    transactionId: transactionId.trim(),
    amount,
    receiverParty,
    resultUrl,
    credentialsOk: request.credentialsOk,
  })
  return ack.response
}
