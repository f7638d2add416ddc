import type { GatewayContext } from './context.js'
import { stkPushResponseView } from './transaction-view.js'

/**
 * After a crash, an Idempotency-Key may be stuck `in_flight`. Its payment was stored before
 * Daraja was called, and Daraja may have taken the push even if its answer was lost, so the key
 * now replays that payment (a retry must not prompt the phone twice). Only a push Daraja refused
 * releases the key, as a 5xx answer would have.
 */
export async function settleInterruptedRequests(ctx: GatewayContext): Promise<void> {
  for (const record of await ctx.store.listInFlightIdempotency()) {
    const t = record.transaction_id ? await ctx.store.getTransaction(record.transaction_id) : undefined
    if (t && !(t.status === 'failed' && t.daraja_error)) {
      await ctx.store.saveIdempotency({ ...record, state: 'done', status_code: 201, response: stkPushResponseView(t) })
    } else {
      await ctx.store.deleteIdempotency(record.scope)
    }
  }
}
