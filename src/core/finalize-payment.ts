import type { TransactionRecord } from '../store/records.js'
import type { GatewayContext } from './context.js'
import { paymentEvent } from './event-data.js'

/**
 * The one place a payment reaches its final state: compare-and-set from `pending`, the
 * payment event stored with it, then the after-payment hooks (payouts). Returns false when the
 * transaction was already final (a duplicate callback, or the reconciler got there first).
 */
export async function finalizePayment(
  ctx: GatewayContext,
  transactionId: string,
  patch: Partial<TransactionRecord> & { status: 'success' | 'failed' },
  source: 'callback' | 'reconcile' | 'push',
): Promise<boolean> {
  const result = await ctx.store.transition({
    transactionId,
    guard: (t) => t.status === 'pending',
    patch: () => ({ ...patch, completed_at: new Date().toISOString() }),
    events: (t) => [paymentEvent(t)],
  })
  if (!result) return false
  ctx.log.info('payment.final', { transaction_id: transactionId, status: patch.status, result_code: patch.result_code, source })
  ctx.bus.publish(result.events)
  for (const hook of ctx.onPaymentFinal) {
    try {
      await hook(result.transaction)
    } catch (error) {
      ctx.log.error('payment.hook_failed', { transaction_id: transactionId, message: error instanceof Error ? error.message : String(error) })
    }
  }
  return true
}
