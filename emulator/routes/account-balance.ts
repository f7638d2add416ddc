import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { identifierType, orgAck, readOrgRequest } from '../org-api.js'
import { shortcodeField, stringField, urlField } from '../validate.js'

/**
 * `POST /mpesa/accountbalance/v1/query`: acknowledged at once; the balances of `PartyA`'s ledger
 * go to `ResultURL` after the callback delay. Fields are checked in the order of Daraja's table.
 */
export function accountBalance(em: Emulator, req: EmRequest): EmResponse {
  const request = readOrgRequest(em, req, 'AccountBalance')
  if ('refused' in request) return request.refused
  const { body, fail } = request
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
    credentialsOk: request.credentialsOk,
  })
  return ack.response
}
