import type { TransactionRecord } from '../store/records.js'
import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'

/**
 * Daraja said the payment failed (typically 1037, no response) and later sends a success for the
 * same CheckoutRequestID: the customer's money was taken after all. The merchant has already been
 * told `payment.failed` and may have released the order, so the final state is not reversed and
 * no second payment event goes out. The success is stored on the transaction (`late_success`,
 * shown by the API) and logged as an error, so an operator refunds it or fulfils the order; no
 * payout is planned for it.
 */
export async function recordLateSuccess(
  ctx: GatewayContext,
  transaction: TransactionRecord,
  success: { receipt: string; amount: number; resultDesc: string },
): Promise<boolean> {
  const result = await ctx.store.transition({
    transactionId: transaction.id,
    guard: (t) => t.status === 'failed' && !t.late_success,
    patch: () => ({
      late_success: { mpesa_receipt_number: success.receipt, amount: success.amount, result_desc: success.resultDesc, received_at: isoNow(ctx.clock) },
    }),
  })
  if (!result) return false
  ctx.log.error('payment.late_success', {
    transaction_id: transaction.id,
    mpesa_receipt_number: success.receipt,
    amount: success.amount,
    reason: 'Daraja reported a success after the payment failed; the customer was charged: refund or fulfil',
  })
  return true
}
