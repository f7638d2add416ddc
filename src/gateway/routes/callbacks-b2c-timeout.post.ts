import { callbackRoutePath, QUEUE_TIMEOUT_SUFFIX } from '../../utils/callback-paths.js'
import { CALLBACK_ACK } from '../../core/stk-callback.js'
import { json, readRawBody } from '../http.js'
import { defineRoute } from '../route.js'

/**
 * Daraja's queue-timeout notice is undocumented (daraja.md §5.6). It is acknowledged and logged;
 * the payout stays pending until its result arrives.
 */
export default defineRoute({
  method: 'POST',
  path: callbackRoutePath('b2c', QUEUE_TIMEOUT_SUFFIX),
  handler: async (ctx, event) => {
    await readRawBody(event)
    const t = await ctx.store.findTransactionByPayoutToken(event.context.params?.token ?? '')
    ctx.log.warn('payout.queue_timeout', { transaction_id: t?.id ?? null })
    return json(200, CALLBACK_ACK)
  },
})
