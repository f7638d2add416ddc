import type { ReconcileItem, ReconcileReport } from '../schemas/reconcile.js'
import { renderTable } from './render.js'

/** Each disagreement in a few words: here is the gateway, there is Daraja. */
const FINDING: Record<ReconcileItem['disagreement'], string> = {
  paid_at_daraja_pending_here: 'paid at Daraja, pending here',
  failed_at_daraja_pending_here: 'failed at Daraja, pending here',
  paid_at_daraja_failed_here: 'paid at Daraja, failed here',
  failed_at_daraja_success_here: 'failed at Daraja, success here',
  unknown_to_daraja: 'unknown to Daraja (no CheckoutRequestID)',
  daraja_did_not_answer: 'Daraja did not answer',
  payout_without_result: 'payout without a result',
  payout_paid_at_daraja_failed_here: 'payout paid at Daraja, failed here',
  payout_failed_at_daraja_success_here: 'payout failed at Daraja, success here',
}

const ACTION: Record<ReconcileItem['action'], string> = {
  fixed: 'fixed',
  needs_fix: 'needs --fix',
  needs_force: 'needs --fix --force',
  refused: 'refused',
  listed: 'check by hand',
  already_settled: 'settled meanwhile',
}

/** The text report of `mpg reconcile`: a summary line, the disagreements as a table, then what to do about each. */
export function renderReconcileReport(report: ReconcileReport): string {
  const scope = `${report.checked.payments} payment${report.checked.payments === 1 ? '' : 's'} and ${report.checked.payouts} payout${report.checked.payouts === 1 ? '' : 's'} since ${report.since}`
  const lines: string[] = []
  if (report.disagreements.length === 0) {
    lines.push(`Daraja agrees with the gateway on all ${scope}.`)
  } else {
    lines.push(`Checked ${scope} with Daraja: ${report.disagreements.length} disagreement${report.disagreements.length === 1 ? '' : 's'}.`, '')
    const rows = report.disagreements.map((d) => ({
      transaction: d.transaction_id,
      subject: d.subject,
      reference: d.reference,
      kes: d.amount,
      here: d.here,
      daraja: d.daraja,
      finding: FINDING[d.disagreement],
      action: ACTION[d.action],
    }))
    lines.push(
      renderTable(rows, [
        { key: 'transaction', header: 'TRANSACTION' },
        { key: 'subject', header: 'WHAT' },
        { key: 'reference', header: 'REFERENCE' },
        { key: 'kes', header: 'KES' },
        { key: 'here', header: 'HERE' },
        { key: 'daraja', header: 'DARAJA' },
        { key: 'finding', header: 'FINDING' },
        { key: 'action', header: 'ACTION' },
      ]),
      '',
    )
    for (const d of report.disagreements) lines.push(`${d.transaction_id} ${d.subject}: ${d.note}${d.daraja_detail ? ` (Daraja: ${d.daraja_detail})` : ''}`)
    lines.push('', report.unresolved === 0 ? 'Every disagreement is settled.' : `${report.unresolved} not settled by this run.`)
  }
  if (report.truncated) lines.push('More transactions than --limit in the period: only the newest were checked; use a shorter --since or a higher --limit.')
  return lines.join('\n')
}
