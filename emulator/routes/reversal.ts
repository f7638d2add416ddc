import type { Emulator } from '../emulator.js'
import { darajaError, invalidField, orgInvalidToken, type EmResponse } from '../errors.js'
import { bearerToken, type EmRequest } from '../http.js'
import { initiatorAccepted } from '../initiator.js'
import { identifierType, invalidPayload, orgAck } from '../org-api.js'
import { amountField, optionalStringField, parseJsonObject, shortcodeField, stringField, urlField } from '../validate.js'

/**
 * `POST /mpesa/reversal/v1/request`: acknowledged at once; the verdict goes to `ResultURL`.
 * `RecieverIdentifierType` is Safaricom's spelling and the only one accepted: a request with the
 * correct spelling instead is refused with `Bad Request - Invalid RecieverIdentifierType`.
 */
export function reversal(em: Emulator, req: EmRequest): EmResponse {
  const requestId = em.ids.serverId()
  if (!em.tokenValid(bearerToken(req))) return darajaError(orgInvalidToken, requestId)
  const fail = (field: string) => darajaError(invalidField(field), requestId)

  const body = parseJsonObject(req.bodyText)
  if (!body) return invalidPayload(requestId)
  const initiator = stringField(body, 'Initiator')
  if (!initiator) return fail('Initiator')
  const securityCredential = stringField(body, 'SecurityCredential')
  if (!securityCredential) return fail('SecurityCredential')
  if (body.CommandID !== 'TransactionReversal') return fail('CommandID')
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
    credentialsOk: initiatorAccepted(em, initiator, securityCredential),
  })
  return ack.response
}
