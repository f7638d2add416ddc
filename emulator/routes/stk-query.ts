import type { Emulator } from '../emulator.js'
import { DarajaErrors, darajaError, type EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { credentialsError, readStkRequest } from '../stk-credentials.js'
import { stkQueryResultDesc } from '../result-codes.js'
import type { StkTransaction } from '../state.js'
import { stringField } from '../validate.js'

/** `POST /mpesa/stkpushquery/v1/query`: in flight → 200 "4999" (or a scenario's 500), final → 200 with ResultCode as a string. */
export function stkQuery(em: Emulator, req: EmRequest): EmResponse {
  const request = readStkRequest(em, req)
  if ('refused' in request) return request.refused
  const { body, fail, refuse, credentials } = request
  const checkoutRequestId = stringField(body, 'CheckoutRequestID')
  if (!checkoutRequestId) return fail('CheckoutRequestID')
  const refused = credentialsError(em, credentials)
  if (refused) return refuse(refused)

  const txn = em.state.stk.get(checkoutRequestId)
  if (!txn) return refuse(DarajaErrors.doesNotExist)
  if (txn.status !== 'completed') {
    // The older 500 form carries the CheckoutRequestID as its requestId (a 2018 capture).
    if (txn.outcome.inFlightQuery === '500') return darajaError(DarajaErrors.inFlightEmpty, txn.checkoutRequestId)
    return queryAnswer(txn, '4999', 'The transaction is still under processing')
  }
  const code = txn.resultCode ?? 0
  return queryAnswer(txn, String(code), stkQueryResultDesc(code, txn.resultDesc ?? ''))
}

/** The 200 envelope; the in-flight 4999 is assumed to have the same keys as the final answer (only its two Result fields are recorded). */
function queryAnswer(txn: StkTransaction, resultCode: string, resultDesc: string): EmResponse {
  return {
    status: 200,
    body: {
      ResponseCode: '0',
      ResponseDescription: 'The service request has been accepted successfully',
      MerchantRequestID: txn.merchantRequestId,
      CheckoutRequestID: txn.checkoutRequestId,
      ResultCode: resultCode,
      ResultDesc: resultDesc,
    },
  }
}
