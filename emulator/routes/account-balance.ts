import type { Emulator } from '../emulator.js'
import { darajaError, invalidField, orgInvalidToken, type EmResponse } from '../errors.js'
import { bearerToken, type EmRequest } from '../http.js'
import { initiatorAccepted } from '../initiator.js'
import { identifierType, invalidPayload, orgAck } from '../org-api.js'
import { parseJsonObject, shortcodeField, stringField, urlField } from '../validate.js'

/**
 * `POST /mpesa/accountbalance/v1/query`: acknowledged at once; the balances of `PartyA`'s ledger
 * go to `ResultURL` after the callback delay. Fields are checked in the order of Daraja's table.
 */
export function accountBalance(em: Emulator, req: EmRequest): EmResponse {
  const requestId = em.ids.serverId()
  if (!em.tokenValid(bearerToken(req))) return darajaError(orgInvalidToken, requestId)
  const fail = (field: string) => darajaError(invalidField(field), requestId)

  const body = parseJsonObject(req.bodyText)
  if (!body) return invalidPayload(requestId)
  const initiator = stringField(body, 'Initiator')
  if (!initiator) return fail('Initiator')
  const securityCredential = stringField(body, 'SecurityCredential')
  if (!securityCredential) return fail('SecurityCredential')
  if (body.CommandID !== 'AccountBalance') return fail('CommandID')
  const partyA = shortcodeField(body, 'PartyA')
  if (!partyA) return fail('PartyA')
  if (!identifierType(body.IdentifierType)) return fail('IdentifierType')
  if (!stringField(body, 'Remarks')) return fail('Remarks')
  if (!urlField(body, 'QueueTimeOutURL')) return fail('QueueTimeOutURL')
  const resultUrl = urlField(body, 'ResultURL')
  if (!resultUrl) return fail('ResultURL')

  const ack = orgAck(em)
  em.startAccountBalance({
    conversationId: ack.conversationId,
    originatorConversationId: ack.originatorConversationId,
    shortcode: partyA,
    resultUrl,
    credentialsOk: initiatorAccepted(em, initiator, securityCredential),
  })
  return ack.response
}
