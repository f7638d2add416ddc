import type { Emulator } from '../emulator.js'
import type { DarajaErrorSpec, EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { forbiddenUrlWord } from '../c2b.js'
import { invalidPayload, openDarajaRequest, type DarajaRequest } from '../daraja-request.js'
import { amountField, msisdnField, shortcodeField, stringField, urlField } from '../validate.js'

/** C2B's token error, as Daraja's C2B table lists it. */
const c2bInvalidToken: DarajaErrorSpec = { status: 400, errorCode: '400.003.01', errorMessage: 'Invalid Access Token' }
/** Token (`400.003.01`), JSON body (`400.002.05`) and `ShortCode`: how both C2B calls begin. */
function readC2bRequest(em: Emulator, req: EmRequest): (DarajaRequest & { shortcode: string }) | { refused: EmResponse } {
  const request = openDarajaRequest(em, req, { invalidToken: c2bInvalidToken, notJson: invalidPayload })
  if ('refused' in request) return request
  const shortcode = shortcodeField(request.body, 'ShortCode')
  if (!shortcode) return { refused: request.fail('ShortCode') }
  return { ...request, shortcode }
}

const RESPONSE_TYPES = ['Completed', 'Cancelled'] as const
const COMMAND_IDS = ['CustomerPayBillOnline', 'CustomerBuyGoodsOnline'] as const

/**
 * `POST /mpesa/c2b/v1/registerurl` and `/v2/`: stores the shortcode's URLs (re-registering
 * overwrites, as in the sandbox). `ResponseType` is `Completed` or `Cancelled`, exactly; URLs must
 * not contain the words Daraja refuses (`mpesa`, `safaricom`, `exe`, `cmd`, `sql`, `query`…).
 */
export function c2bRegister(version: 'v1' | 'v2') {
  return (em: Emulator, req: EmRequest): EmResponse => {
    const request = readC2bRequest(em, req)
    if ('refused' in request) return request.refused
    const { body, shortcode, fail } = request
    const responseType = RESPONSE_TYPES.find((t) => t === body.ResponseType)
    if (!responseType) return fail('ResponseType')
    const confirmationUrl = urlField(body, 'ConfirmationURL')
    if (!confirmationUrl || forbiddenUrlWord(confirmationUrl)) return fail('ConfirmationURL')
    const validationUrl = urlField(body, 'ValidationURL')
    if (!validationUrl || forbiddenUrlWord(validationUrl)) return fail('ValidationURL')
    em.state.c2bRegistrations.set(shortcode, { shortcode, version, responseType, confirmationUrl, validationUrl, registeredAt: em.now() })
    // `OriginatorCoversationID` (sic) and the eight zeros are what the sandbox sends.
    return { status: 200, body: { OriginatorCoversationID: em.ids.serverId(), ResponseCode: '00000000', ResponseDescription: 'Success' } }
  }
}

/**
 * `POST /mpesa/c2b/v1/simulate` and `/v2/` (sandbox only): a customer pays `ShortCode`. Accepted
 * at once; after the callback delay the registered validation URL is asked, then the confirmation
 * URL told (see emulator.ts). `BillRefNumber` is required for paybills, optional for tills.
 */
export function c2bSimulate(em: Emulator, req: EmRequest): EmResponse {
  const request = readC2bRequest(em, req)
  if ('refused' in request) return request.refused
  const { body, shortcode, fail } = request
  const commandId = COMMAND_IDS.find((c) => c === body.CommandID)
  if (!commandId) return fail('CommandID')
  const amount = amountField(body)
  if (amount === undefined) return fail('Amount')
  const msisdn = msisdnField(body, 'Msisdn')
  if (!msisdn) return fail('Msisdn')
  const billRefNumber = stringField(body, 'BillRefNumber')
  const tillWithoutRef = commandId === 'CustomerBuyGoodsOnline' && (body.BillRefNumber === undefined || body.BillRefNumber === null || body.BillRefNumber === '')
  if (!billRefNumber && !tillWithoutRef) return fail('BillRefNumber')

  em.startC2b({ shortcode, commandId, amount, msisdn, billRefNumber: billRefNumber ?? '' })
  return { status: 200, body: { OriginatorCoversationID: em.ids.serverId(), ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' } }
}
