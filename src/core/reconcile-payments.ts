import type { ReconcileItem } from '../schemas/reconcile.js'
import type { TransactionRecord } from '../store/records.js'
import { askStk, type StkAnswer } from './ask-stk.js'
import type { GatewayContext } from './context.js'
import { finalizePayment } from './finalize-payment.js'
import { reconcileItem, type FixMode } from './reconcile-item.js'
import { reversePaymentToFailed } from './reverse-payment.js'

/**
 * One payment against Daraja's STK Query: undefined when both agree, else the report line, after
 * settling what --fix (and --force) allow. Every change goes through a compare-and-set, so a
 * callback or the background reconciler arriving at the same time settles it once, not twice.
 */
export async function reconcilePayment(ctx: GatewayContext, t: TransactionRecord, mode: FixMode, pace: () => Promise<void>): Promise<ReconcileItem | undefined> {
  if (!t.checkout_request_id) return unqueryable(ctx, t)
  const answer = await askStk(ctx, t.checkout_request_id, pace)
  const line = (found: Pick<ReconcileItem, 'disagreement' | 'action' | 'note'>) =>
    reconcileItem(t, { subject: 'payment', here: t.status, daraja: answer.daraja, daraja_detail: answer.detail, ...found })

  if (answer.daraja === 'no_answer') {
    return line({ disagreement: 'daraja_did_not_answer', action: 'listed', note: `Daraja could not say (${answer.detail}); run mpg reconcile again later.` })
  }
  if (t.status === 'pending') return settlePending(ctx, t, answer, mode, line)
  if (t.status === 'failed' && answer.daraja === 'paid') return paidButFailedHere(ctx, t, answer, mode, line)
  if (t.status === 'success' && answer.daraja === 'failed') return failedButSuccessHere(ctx, t, answer, mode, line)
  return undefined
}

type Line = (found: Pick<ReconcileItem, 'disagreement' | 'action' | 'note'>) => ReconcileItem

/** Pending here, final at Daraja: what a lost callback would have said, settled the way the callback would have. */
async function settlePending(ctx: GatewayContext, t: TransactionRecord, answer: StkAnswer, mode: FixMode, line: Line): Promise<ReconcileItem | undefined> {
  if (answer.daraja === 'processing') return undefined
  const paid = answer.daraja === 'paid'
  const disagreement = paid ? 'paid_at_daraja_pending_here' : 'failed_at_daraja_pending_here'
  const outcome = paid ? 'success (payment.success, and its payout)' : 'failed (payment.failed)'
  if (!mode.fix) return line({ disagreement, action: 'needs_fix', note: `Run with --fix to settle it as ${outcome}.` })
  const [code, ...desc] = answer.detail.split(' ')
  const settled = await finalizePayment(ctx, t.id, { status: paid ? 'success' : 'failed', result_code: code, result_desc: desc.join(' ') }, 'daraja_reconcile')
  if (!settled) return line({ disagreement, action: 'already_settled', note: 'A callback or the background reconciler settled it during this run.' })
  return line({ disagreement, action: 'fixed', note: `Settled as ${outcome}.` })
}

/** Failed here (the merchant was told payment.failed), yet the customer paid. */
async function paidButFailedHere(ctx: GatewayContext, t: TransactionRecord, answer: StkAnswer, mode: FixMode, line: Line): Promise<ReconcileItem> {
  const disagreement = 'paid_at_daraja_failed_here'
  const seen = t.late_success ? ` (its late success, receipt ${t.late_success.mpesa_receipt_number}, is on the transaction)` : ''
  if (!mode.force) {
    return line({
      disagreement,
      action: 'needs_force',
      note: `The customer paid${seen} after payment.failed went out: refund the customer, or fulfil the order and run with --fix --force to make it a success (payment.success and one payout).`,
    })
  }
  const [code, ...desc] = answer.detail.split(' ')
  // The late success (if one came) becomes the payment's own: its receipt moves over and nothing is left to refund.
  const patch = { status: 'success' as const, result_code: code, result_desc: desc.join(' '), mpesa_receipt_number: t.late_success?.mpesa_receipt_number ?? t.mpesa_receipt_number, late_success: null }
  const settled = await finalizePayment(ctx, t.id, patch, 'daraja_reconcile', 'failed')
  if (!settled) return line({ disagreement, action: 'already_settled', note: 'It changed during this run; run mpg reconcile again to see where it stands.' })
  return line({ disagreement, action: 'fixed', note: 'Made a success: payment.success sent and its payout planned (once).' })
}

/** Success here (payment.success went out), yet Daraja says the customer did not pay. */
async function failedButSuccessHere(ctx: GatewayContext, t: TransactionRecord, answer: StkAnswer, mode: FixMode, line: Line): Promise<ReconcileItem> {
  const disagreement = 'failed_at_daraja_success_here'
  if (!mode.force) {
    return line({
      disagreement,
      action: 'needs_force',
      note: 'Daraja says the customer did not pay, but the success callback was accepted: hold the order, check the M-Pesa statement, and run with --fix --force to make it failed (only while no payout has moved money).',
    })
  }
  const reversed = await reversePaymentToFailed(ctx, t.id, answer.detail)
  if (reversed === 'refused') {
    return line({
      disagreement,
      action: 'refused',
      note: 'Not reversed: its payout may already have paid the merchant, and reconcile never moves money back. Recover it from the merchant by hand.',
    })
  }
  if (reversed === 'changed') return line({ disagreement, action: 'already_settled', note: 'It changed during this run; run mpg reconcile again to see where it stands.' })
  return line({ disagreement, action: 'fixed', note: 'Made failed: payment.failed sent; no payout had moved money.' })
}

/** No CheckoutRequestID: Daraja never answered the push, so STK Query has nothing to ask about. */
function unqueryable(ctx: GatewayContext, t: TransactionRecord): ReconcileItem | undefined {
  // Refused by Daraja (it never existed there), or a push still waiting for Daraja's answer.
  if (t.daraja_error || ctx.pushesInFlight.has(t.id)) return undefined
  const late = t.late_success ? ` Its late success (receipt ${t.late_success.mpesa_receipt_number}) is on the transaction: refund it or fulfil the order.` : ''
  const waiting = t.status === 'pending' ? ' Its callback can still settle it; without one the gateway fails it MPG_UNCONFIRMED_PUSH_TIMEOUT_S (10 minutes) after the push.' : ''
  return reconcileItem(t, {
    subject: 'payment',
    here: t.status,
    daraja: 'unknown',
    daraja_detail: null,
    disagreement: 'unknown_to_daraja',
    action: 'listed',
    note: `Daraja never returned a CheckoutRequestID for this push, so it cannot be asked: look for reference ${t.reference} (KES ${t.amount}, ${t.created_at}) on the shortcode's M-Pesa statement.${late}${waiting}`,
  })
}
