import { shallowCopy } from './frozen.js'
import type { TransactionRecord } from './records.js'

/** A payment's fields as the STK push makes it, in that order (core/stk-push.ts). */
const PUSHED_FIELDS = [
  'id',
  'account_id',
  'mode',
  'reference',
  'description',
  'phone',
  'amount',
  'platform_fee',
  'net_amount',
  'status',
  'merchant_request_id',
  'checkout_request_id',
  'customer_message',
  'mpesa_receipt_number',
  'result_code',
  'result_desc',
  'callback_token',
  'created_at',
  'completed_at',
  'payout',
  'daraja_error',
] as const

/** Whether `t`'s enumerable fields are exactly PUSHED_FIELDS, in that order (no others, none inherited). */
function asPushed(t: TransactionRecord): boolean {
  let i = 0
  for (const key in t) if (key !== PUSHED_FIELDS[i++]) return false
  return i === PUSHED_FIELDS.length
}

/**
 * The store's own copy of a new payment (shallowCopy's result, field for field). A payment as the
 * push makes it is copied by one object literal: V8 keeps all 21 fields inside the object, where
 * a copy made field by field into `{}` keeps 4 there and the rest in a second object (~160 bytes
 * and one object more per stored version for the GC to copy and mark, every read a hop further),
 * and is slower to make and to freeze (~1 µs per payment, bench/README.md). Any other shape is
 * copied by shallowCopy.
 */
export function copyTransaction(t: TransactionRecord): TransactionRecord {
  if (!asPushed(t)) return shallowCopy(t)
  return {
    id: t.id,
    account_id: t.account_id,
    mode: t.mode,
    reference: t.reference,
    description: t.description,
    phone: t.phone,
    amount: t.amount,
    platform_fee: t.platform_fee,
    net_amount: t.net_amount,
    status: t.status,
    merchant_request_id: t.merchant_request_id,
    checkout_request_id: t.checkout_request_id,
    customer_message: t.customer_message,
    mpesa_receipt_number: t.mpesa_receipt_number,
    result_code: t.result_code,
    result_desc: t.result_desc,
    callback_token: t.callback_token,
    created_at: t.created_at,
    completed_at: t.completed_at,
    payout: t.payout,
    daraja_error: t.daraja_error,
  }
}
