import type { Transaction } from '../schemas/gateway-responses.js'
import { maskPhone } from '../utils/phone.js'
import { renderTable } from './render.js'

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

/**
 * `mpg transactions list` for people: a table, newest first, and when there is more, the command
 * that shows the next page with the same filters.
 */
export function transactionListLines(page: { data: Transaction[]; has_more: boolean; next_cursor: string | null }, filters: { status?: string; reference?: string }): string[] {
  const rows = page.data.map((t) => ({
    id: t.id,
    created: t.created_at,
    status: t.status,
    amount: t.amount,
    phone: maskPhone(t.phone),
    reference: t.reference,
    receipt: t.mpesa_receipt_number,
    payout: t.payout?.status,
  }))
  const lines = [
    renderTable(rows, [
      { key: 'id', header: 'ID' },
      { key: 'created', header: 'CREATED' },
      { key: 'status', header: 'STATUS' },
      { key: 'amount', header: 'KES' },
      { key: 'phone', header: 'PHONE' },
      { key: 'reference', header: 'REFERENCE' },
      { key: 'receipt', header: 'RECEIPT' },
      { key: 'payout', header: 'PAYOUT' },
    ]),
  ]
  const flags = `${filters.status ? ` --status ${filters.status}` : ''}${filters.reference ? ` --reference ${JSON.stringify(filters.reference)}` : ''}`
  if (page.has_more && page.next_cursor) lines.push(`More: mpg transactions list${flags} --starting-after ${page.next_cursor}`)
  return lines
}
