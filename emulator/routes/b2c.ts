import type { Emulator } from '../emulator.js'
import { DarajaErrors, type EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { openDarajaRequest } from '../daraja-request.js'
import { initiatorAccepted } from '../initiator.js'
import { ORG_OPENING } from '../org-api.js'
import { B2C_OUTCOMES } from '../scenarios.js'
import { amountField, msisdnField, optionalStringField, shortcodeField, stringField, urlField } from '../validate.js'

const COMMAND_IDS = ['SalaryPayment', 'BusinessPayment', 'PromotionPayment']

/**
 * `POST /mpesa/b2c/v1/paymentrequest` and `/v3/…` (daraja.md §5). v3 needs a fresh
 * OriginatorConversationID; v1 has none and the server makes one. The ack never judges the
 * credential: a wrong InitiatorName or SecurityCredential comes back as result 2001.
 */
export function b2cPayment(version: 'v1' | 'v3') {
  return (em: Emulator, req: EmRequest): EmResponse => {
    const request = openDarajaRequest(em, req, ORG_OPENING)
    if ('refused' in request) return request.refused
    const { body, fail, refuse } = request
    let originatorConversationId: string | undefined
    if (version === 'v3') {
      originatorConversationId = stringField(body, 'OriginatorConversationID')
      if (!originatorConversationId) return fail('OriginatorConversationID')
    }
    const initiatorName = stringField(body, 'InitiatorName')
    if (!initiatorName) return fail('InitiatorName')
    const securityCredential = stringField(body, 'SecurityCredential')
    if (!securityCredential) return fail('SecurityCredential')
    if (typeof body.CommandID !== 'string' || !COMMAND_IDS.includes(body.CommandID)) return fail('CommandID')
    const amount = amountField(body)
    if (amount === undefined) return fail('Amount')
    const partyA = shortcodeField(body, 'PartyA')
    if (!partyA) return fail('PartyA')
    const partyB = msisdnField(body, 'PartyB')
    if (!partyB) return fail('PartyB')
    if (!stringField(body, 'Remarks')) return fail('Remarks')
    if (!urlField(body, 'QueueTimeOutURL')) return fail('QueueTimeOutURL')
    const resultUrl = urlField(body, 'ResultURL')
    if (!resultUrl) return fail('ResultURL')
    // Safaricom spells it Occassion; the sandbox acknowledges Occasion too. Both optional.
    if (optionalStringField(body, 'Occassion') === false) return fail('Occassion')
    if (optionalStringField(body, 'Occasion') === false) return fail('Occasion')

    if (originatorConversationId !== undefined) {
      if (em.state.originatorIds.has(originatorConversationId)) return refuse(DarajaErrors.duplicateOriginatorConversationId)
      em.state.originatorIds.set(originatorConversationId, true)
    }

    const credentialsOk = initiatorAccepted(em, initiatorName, securityCredential)
    const scenario = em.scenarios.b2c(partyB)
    const outcome = credentialsOk ? scenario : { ...B2C_OUTCOMES.initiator_invalid, delayMs: scenario.delayMs }
    const now = em.now()
    const conversationId = em.ids.conversationId(now)
    const originatorId = originatorConversationId ?? em.ids.serverId()
    em.startB2c({
      version,
      conversationId,
      originatorConversationId: originatorId,
      partyA,
      partyB,
      amount,
      resultUrl,
      outcome,
      status: 'pending',
      resultCode: null,
      resultDesc: null,
      transactionId: em.ids.receipt(now),
      utilityBalanceAfter: em.state.ledgers.of(partyA).utility,
      createdAt: now,
      completedAt: null,
    })
    return {
      status: 200,
      body: {
        ConversationID: conversationId,
        OriginatorConversationID: originatorId,
        ResponseCode: '0',
        ResponseDescription: 'Accept the service request successfully.',
      },
    }
  }
}
