import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { paymentEvent } from './event-data.js'

/**
 * `mpg reconcile --fix --force` on a success Daraja says never happened (a forged or mistaken
 * callback): the payment becomes `failed` with one payment.failed event, but only while no money
 * can have left for it — no payout, or a payout that failed. Otherwise it is refused: money
 * already paid out is recovered by a person, never by a second movement.
 */
export async function reversePaymentToFailed(ctx: GatewayContext, transactionId: string, darajaSays: string): Promise<'reversed' | 'refused' | 'changed'> {
  const before = await ctx.store.getTransaction(transactionId)
  if (!before || before.status !== 'success') return 'changed'
  const moneyCannotHaveLeft = (payout: typeof before.payout) => payout === null || payout.status === 'failed'
  if (!moneyCannotHaveLeft(before.payout)) return 'refused'
  const [code, ...desc] = darajaSays.split(' ')
  const result = await ctx.store.transition({
    transactionId,
    guard: (t) => t.status === 'success' && moneyCannotHaveLeft(t.payout),
    patch: () => ({ status: 'failed', result_code: code, result_desc: desc.join(' '), mpesa_receipt_number: null, completed_at: isoNow(ctx.clock) }),
    events: (t) => [paymentEvent(t)],
  })
  if (!result) return 'changed'
  ctx.log.warn('payment.reversed', { transaction_id: transactionId, result_code: code, source: 'daraja_reconcile' })
  ctx.bus.publish(result.events)
  return 'reversed'
}
