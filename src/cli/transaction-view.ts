import type { Transaction } from '../schemas/gateway-responses.js'
import { maskPhone } from '../utils/phone.js'

/** `mpg transactions get` for people: one aligned "label value" line per field, the phone masked. */
export function transactionLines(t: Transaction): string[] {
  const rows: Array<[string, unknown]> = [
    ['id', t.id],
    ['status', t.status],
    ['amount', `KES ${t.amount} (fee ${t.platform_fee}, net ${t.net_amount})`],
    ['phone', maskPhone(t.phone)],
    ['reference', t.reference],
    ['description', t.description],
    ['receipt', t.mpesa_receipt_number],
    ['result', t.result_code === null ? null : `${t.result_code} ${t.result_desc ?? ''}`.trim()],
    ['mode', t.mode],
    ['created', t.created_at],
    ['completed', t.completed_at],
    ['checkout id', t.checkout_request_id],
    ['payout', t.payout ? `${t.payout.status} (${t.payout.type}, KES ${t.payout.amount}${t.payout.mpesa_receipt ? `, receipt ${t.payout.mpesa_receipt}` : ''})` : null],
  ]
  if (t.late_success) {
    const late = t.late_success
    rows.push(['late success', `KES ${late.amount}, receipt ${late.mpesa_receipt_number}, ${late.received_at}: Daraja took the money after the payment failed; refund it or fulfil the order`])
  }
  return rows.map(([label, value]) => `${label.padEnd(12)} ${value ?? '-'}`)
}
