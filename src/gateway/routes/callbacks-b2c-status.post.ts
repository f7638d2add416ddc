import { applyTransactionStatusResult } from '../../core/payout-status.js'
import { CALLBACK_ACK } from '../../core/stk-callback.js'
import { callbackRoutePath, TRANSACTION_STATUS_SUFFIX } from '../../utils/callback-paths.js'
import { transactionStatusResultSchema } from '../../schemas/daraja.js'
import { json, readJsonBody } from '../http.js'
import { defineRoute } from '../route.js'

/** Daraja's answer to a payout's Transaction Status query; the payout's secret token authenticates it. */
export default defineRoute({
  method: 'POST',
  path: callbackRoutePath('b2c', TRANSACTION_STATUS_SUFFIX),
  handler: async (ctx, event) => {
    const { data } = await readJsonBody(event, transactionStatusResultSchema, 'Daraja Transaction Status results are {"Result":{…}}.')
    await applyTransactionStatusResult(ctx, event.context.params?.token ?? '', data)
    return json(200, CALLBACK_ACK)
  },
})
