import type { EventDraft } from '../store/store.js'
import type { TransactionRecord } from '../store/records.js'
import { payoutView, transactionView } from './transaction-view.js'

/** payment.success / payment.failed: the transaction's fields; success adds `mpesa_receipt` (seed). */
export function paymentEvent(t: TransactionRecord): EventDraft {
  // Fields are added to the view itself: a spread copy that gets new fields takes V8's slow path
  // (~3 µs on Node 20, bench/README.md), once per payment.
  const data: Record<string, unknown> = transactionView(t)
  data.transaction_id = t.id
  if (t.status !== 'success') return { event: 'payment.failed', data }
  data.mpesa_receipt = t.mpesa_receipt_number
  return { event: 'payment.success', data }
}

/** payout.*: the payout's fields with the transaction they pay out. */
export function payoutEvent(t: TransactionRecord): EventDraft {
  const payout = payoutView(t.payout)
  const status = t.payout?.status
  const event = status === 'success' ? 'payout.success' : status === 'failed' ? 'payout.failed' : 'payout.pending_manual'
  return {
    event,
    data: {
      transaction_id: t.id,
      reference: t.reference,
      amount: t.amount,
      net_amount: t.net_amount,
      ...payout,
      payout,
    },
  }
}
