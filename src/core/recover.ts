import type { GatewayContext } from './context.js'
import { stkPushResponseView } from './transaction-view.js'

/**
 * After a crash, an Idempotency-Key may be stuck `in_flight`. If its push reached Daraja (we
 * stored the CheckoutRequestID) the key now replays that 201; otherwise it is released so the
 * client's retry can go through.
 */
export async function settleInterruptedRequests(ctx: GatewayContext): Promise<void> {
  for (const record of await ctx.store.listInFlightIdempotency()) {
    const t = record.transaction_id ? await ctx.store.getTransaction(record.transaction_id) : undefined
    if (t?.checkout_request_id) {
      await ctx.store.saveIdempotency({ ...record, state: 'done', status_code: 201, response: stkPushResponseView(t) })
    } else {
      await ctx.store.deleteIdempotency(record.scope)
    }
  }
}
