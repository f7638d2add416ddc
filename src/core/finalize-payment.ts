import type { TransactionRecord } from '../store/records.js'
import type { EventDraft } from '../store/store.js'
import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { paymentEvent, payoutEvent } from './event-data.js'
import { b2cResultToken } from './callback-tokens.js'
import { planPayout, startPayout } from './payouts.js'

/**
 * The one place a payment reaches its final state: compare-and-set from `pending` (or, for a
 * reconcile run with --force, from a `failed` payment without a payout that Daraja says was paid), stored in one
 * write with its event and, on success, the payout it owes (and `payout.pending_manual` for a
 * manual one). The B2C then starts without holding up the caller. Returns false when the
 * transaction was already final (a duplicate callback, or the reconciler got there first).
 */
export async function finalizePayment(
  ctx: GatewayContext,
  transactionId: string,
  patch: Partial<TransactionRecord> & { status: 'success' | 'failed' },
  source: 'callback' | 'reconcile' | 'push' | 'daraja_reconcile',
  from: 'pending' | 'failed' = 'pending',
  /** The payment as the caller has just read it (a callback): not read again (the transition checks it again anyway). */
  read?: TransactionRecord,
): Promise<boolean> {
  // A failed payment becomes a success at most once: it has no payout until then.
  const movable = (t: TransactionRecord) => t.status === from && (from === 'pending' || (patch.status === 'success' && !t.payout))
  const before = read?.id === transactionId ? read : await ctx.store.getTransaction(transactionId)
  if (!before || !movable(before)) return false
  const account = patch.status === 'success' ? await ctx.store.getAccount(before.account_id) : undefined
  // A B2C payout's ResultURL token (an HMAC): derived once here, stored hashed, and handed to the
  // first B2C rather than derived again for it.
  const resultToken = account?.payout_account?.type === 'mpesa' ? b2cResultToken(ctx, transactionId) : ''
  const result = await ctx.store.transition({
    transactionId,
    guard: movable,
    patch: (t) => {
      const completedAt = isoNow(ctx.clock)
      // The payout reads the payment's id and net amount, which no final patch changes: planned from
      // the stored payment as it is, not from a whole copy with the patch spread over it.
      // Object.assign, not a spread with added fields (V8's slow path, bench/README.md).
      return Object.assign({}, patch, { completed_at: completedAt, payout: patch.status === 'success' ? planPayout(account?.payout_account, t, resultToken, completedAt) : null })
    },
    events: (t) => {
      const events: EventDraft[] = [paymentEvent(t)]
      if (t.payout?.status === 'pending_manual') events.push(payoutEvent(t))
      return events
    },
  })
  if (!result) return false
  ctx.log.info('payment.final', { transaction_id: transactionId, status: patch.status, result_code: patch.result_code, source })
  ctx.bus.publish(result.events)
  startPayout(ctx, result.transaction, resultToken)
  return true
}
