import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { STK_OUTCOMES } from '../scenarios.js'
import { credentialsError, readStkRequest } from '../stk-credentials.js'
import { amountField, msisdnField, shortcodeField, stringField, urlField } from '../validate.js'

const TRANSACTION_TYPES = ['CustomerPayBillOnline', 'CustomerBuyGoodsOnline']

/** `POST /mpesa/stkpush/v1/processrequest` (daraja.md §3). */
export function stkPush(em: Emulator, req: EmRequest): EmResponse {
  const request = readStkRequest(em, req)
  if ('refused' in request) return request.refused
  const { body, fail, refuse, credentials } = request
  const { shortcode } = credentials
  const transactionType = body.TransactionType
  if (typeof transactionType !== 'string' || !TRANSACTION_TYPES.includes(transactionType)) return fail('TransactionType')
  const amount = amountField(body)
  if (amount === undefined) return fail('Amount')
  if (!msisdnField(body, 'PartyA')) return fail('PartyA')
  const partyB = shortcodeField(body, 'PartyB')
  if (!partyB) return fail('PartyB')
  const phone = msisdnField(body, 'PhoneNumber')
  if (!phone) return fail('PhoneNumber')
  const callbackUrl = urlField(body, 'CallBackURL')
  if (!callbackUrl) return fail('CallBackURL')
  const accountReference = stringField(body, 'AccountReference')
  if (!accountReference) return fail('AccountReference')
  // The portal calls it optional, but the real API refuses a missing one under its old name, Remarks.
  if (!stringField(body, 'TransactionDesc')) return fail('Remarks')

  const refused = credentialsError(em, credentials)
  if (refused) return refuse(refused)
  const wrongType = em.config.shortcodeType === 'paybill' ? 'CustomerBuyGoodsOnline' : 'CustomerPayBillOnline'
  if (transactionType === wrongType) return fail('TransactionType')

  const scenario = em.scenarios.stk(phone)
  if (scenario.syncError) return refuse(scenario.syncError)
  // The credit party must be the paybill itself, or the store's till: otherwise Daraja takes the
  // push and then fails it with 2028 (the request is not permitted according to product assignment).
  const creditParty = em.config.shortcodeType === 'till' ? em.config.tillNumber : shortcode
  const outcome = partyB === creditParty ? scenario : { ...STK_OUTCOMES.product_mismatch, delayMs: scenario.delayMs }

  const now = em.now()
  const checkoutRequestId = em.ids.checkoutRequestId(phone, now)
  const merchantRequestId = em.ids.serverId()
  const after = em.startStk({
    checkoutRequestId,
    merchantRequestId,
    shortcode,
    partyB,
    phone,
    amount,
    callbackUrl,
    accountReference,
    outcome,
    status: outcome.hold ? 'held' : 'pending',
    resultCode: null,
    resultDesc: null,
    receipt: null,
    createdAt: now,
    completedAt: null,
  })
  return {
    status: 200,
    body: {
      MerchantRequestID: merchantRequestId,
      CheckoutRequestID: checkoutRequestId,
      ResponseCode: '0',
      ResponseDescription: 'Success. Request accepted for processing',
      CustomerMessage: 'Success. Request accepted for processing',
    },
    after,
  }
}
