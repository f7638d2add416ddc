import type { PayoutRecord, PayoutStatus } from '../store/records.js'
import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { payoutEvent } from './event-data.js'

/**
 * The one place a payout reaches a final state, with its event. `from`: the states it may leave
 * (a reconcile run with --force also corrects a `failed` payout Daraja says was paid).
 */
export async function finalizePayout(
  ctx: GatewayContext,
  transactionId: string,
  outcome: { status: 'success' | 'failed'; result_code: string | null; result_desc: string; mpesa_receipt?: string | null },
  extra: Partial<PayoutRecord> = {},
  /** Set when a payout step (holding the lease) records the outcome: fenced by that lease. */
  payoutLeaseOwner?: string,
  from: readonly PayoutStatus[] = ['pending', 'needs_attention'],
): Promise<boolean> {
  const result = await ctx.store.transition({
    transactionId,
    payoutLeaseOwner,
    // Daraja's own answer also settles a payout that was waiting for a person.
    guard: (current) => current.payout !== null && from.includes(current.payout.status),
    patch: (current) => ({
      payout: { ...current.payout!, ...extra, ...outcome, next_attempt_at: null, status_due_at: null, updated_at: isoNow(ctx.clock) },
    }),
    events: (updated) => [payoutEvent(updated)],
  })
  if (!result) return false
  ctx.log.info('payout.final', { transaction_id: transactionId, status: outcome.status, result_code: outcome.result_code })
  ctx.bus.publish(result.events)
  return true
}
