import type { PayoutRecord, TransactionRecord } from '../store/records.js'

/** The payout as merchants see it: no callback token, no internal counters. */
export function payoutView(payout: PayoutRecord | null) {
  if (!payout) return null
  return {
    status: payout.status,
    type: payout.type,
    amount: payout.amount,
    destination: payout.destination,
    mpesa_receipt: payout.mpesa_receipt ?? null,
    result_code: payout.result_code ?? null,
    result_desc: payout.result_desc ?? null,
    created_at: payout.created_at,
    updated_at: payout.updated_at,
    settled_at: payout.settled_at ?? null,
    /** Set while the payout is `needs_attention`: what Daraja could not tell us. */
    attention_reason: payout.attention_reason ?? null,
  }
}

/** `GET /api/v1/transactions/:id` → `{ transaction: … }`: the seed's fields plus the allowed extras. */
export function transactionView(t: TransactionRecord) {
  return {
    id: t.id,
    reference: t.reference,
    amount: t.amount,
    platform_fee: t.platform_fee,
    net_amount: t.net_amount,
    status: t.status,
    mpesa_receipt_number: t.mpesa_receipt_number,
    result_code: t.result_code,
    result_desc: t.result_desc,
    completed_at: t.completed_at,
    phone: t.phone,
    description: t.description,
    mode: t.mode,
    created_at: t.created_at,
    merchant_request_id: t.merchant_request_id,
    checkout_request_id: t.checkout_request_id,
    payout: payoutView(t.payout),
    /** A success Daraja reported after this payment failed: money taken that needs a decision. */
    late_success: t.late_success ?? null,
  }
}

export type TransactionView = ReturnType<typeof transactionView>

/** The 201 answer of `POST /api/v1/stk-push`, field for field as the seed shows it. */
/** Daraja's ids for a push, as stored on its transaction once Daraja answered. */
export type StkPushIds = Pick<TransactionRecord, 'merchant_request_id' | 'checkout_request_id' | 'customer_message'>

/**
 * The push's answer. `ids` stand in for the transaction's own when Daraja's answer is not stored on
 * it yet (the push path answers from the record it inserted, without copying all of it to add them).
 */
export function stkPushResponseView(t: TransactionRecord, ids: StkPushIds = t) {
  return {
    success: true,
    transaction_id: t.id,
    merchant_request_id: ids.merchant_request_id,
    checkout_request_id: ids.checkout_request_id,
    customer_message: ids.customer_message,
    amount: t.amount,
    platform_fee: t.platform_fee,
    net_amount: t.net_amount,
    status: t.status,
    poll_url: `/api/v1/transactions/${t.id}`,
  }
}

/**
 * A push's 201 as it was first given, from the payment as stored: Daraja's ids never change once
 * stored, and the answer said `pending` (a callback may have settled the payment since).
 */
export function firstStkPushResponseView(t: TransactionRecord) {
  const view = stkPushResponseView(t)
  view.status = 'pending'
  return view
}
