import type { Emulator } from '../emulator.js'
import { DarajaErrors, darajaError, invalidField, type EmResponse } from '../errors.js'
import { bearerToken, type EmRequest } from '../http.js'
import { credentialsError, readStkCredentials } from '../stk-credentials.js'
import { parseJsonObject, stringField } from '../validate.js'

/** `POST /mpesa/stkpushquery/v1/query` (daraja.md §4): in flight → 500, final → 200 with ResultCode as a string. */
export function stkQuery(em: Emulator, req: EmRequest): EmResponse {
  const requestId = em.ids.serverId()
  if (!em.tokenValid(bearerToken(req))) return darajaError(DarajaErrors.stkInvalidToken, requestId)
  const fail = (field: string) => darajaError(invalidField(field), requestId)

  const body = parseJsonObject(req.bodyText)
  if (!body) return fail('BusinessShortCode')
  const credentials = readStkCredentials(body)
  if ('invalid' in credentials) return fail(credentials.invalid)
  const checkoutRequestId = stringField(body, 'CheckoutRequestID')
  if (!checkoutRequestId) return fail('CheckoutRequestID')
  const refused = credentialsError(em, credentials)
  if (refused) return darajaError(refused, requestId)

  const txn = em.state.stk.get(checkoutRequestId)
  if (!txn) return darajaError(DarajaErrors.doesNotExist, requestId)
  // Daraja's in-flight answer carries the CheckoutRequestID as its requestId.
  if (txn.status !== 'completed') return darajaError(DarajaErrors.beingProcessed, txn.checkoutRequestId)
  return {
    status: 200,
    body: {
      ResponseCode: '0',
      ResponseDescription: 'The service request has been accepted successfully',
      MerchantRequestID: txn.merchantRequestId,
      CheckoutRequestID: txn.checkoutRequestId,
      ResultCode: String(txn.resultCode),
      ResultDesc: txn.resultDesc,
    },
  }
}
