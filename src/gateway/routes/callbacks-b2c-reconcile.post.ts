import { recordReconcileAnswer } from '../../core/reconcile-answer.js'
import { CALLBACK_ACK } from '../../core/stk-callback.js'
import { transactionStatusResultSchema } from '../../schemas/daraja.js'
import { callbackRoutePath, RECONCILE_STATUS_SUFFIX } from '../../utils/callback-paths.js'
import { json, readJsonBody } from '../http.js'
import { defineRoute } from '../route.js'

/** Daraja's answer to a reconcile run's Transaction Status query (`?run=` names the run); the payout's secret token authenticates it. */
export default defineRoute({
  method: 'POST',
  path: callbackRoutePath('b2c', RECONCILE_STATUS_SUFFIX),
  handler: async (ctx, event) => {
    const { data } = await readJsonBody(event, transactionStatusResultSchema, 'Daraja Transaction Status results are {"Result":{…}}.')
    await recordReconcileAnswer(ctx, event.context.params?.token ?? '', event.url.searchParams.get('run') ?? '', data)
    return json(200, CALLBACK_ACK)
  },
})
