import type { GatewayContext } from './context.js'
import { stkPushResponseView } from './transaction-view.js'

/**
 * After a crash, an Idempotency-Key may be stuck `in_flight`. Its payment was stored before
 * Daraja was called, and Daraja may have taken the push even if its answer was lost, so the key
 * now replays that payment (a retry must not prompt the phone twice). Only a push Daraja refused
 * releases the key, as a 5xx answer would have.
 */
export async function settleInterruptedRequests(ctx: GatewayContext, createdBefore?: string): Promise<void> {
  for (const record of await ctx.store.listInFlightIdempotency()) {
    // On a shared store, a recent one may be a request another process is still serving.
    if (createdBefore !== undefined && record.created_at >= createdBefore) continue
    const t = record.transaction_id ? await ctx.store.getTransaction(record.transaction_id) : undefined
    if (t && !(t.status === 'failed' && t.daraja_error)) {
      await ctx.store.saveIdempotency({ ...record, state: 'done', status_code: 201, response: stkPushResponseView(t) })
    } else {
      await ctx.store.deleteIdempotency(record.scope)
    }
  }
}

/**
 * On a shared store an Idempotency-Key in flight may belong to a request another process is still
 * serving; only one older than any request can take (Daraja's timeout and a margin) was cut off
 * by a crash.
 */
export function interruptedBefore(darajaTimeoutMs: number, now: number): string {
  return new Date(now - 2 * darajaTimeoutMs - 10_000).toISOString()
}
