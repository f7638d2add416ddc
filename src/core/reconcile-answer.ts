import type { TransactionStatusResult } from '../schemas/daraja.js'
import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { DomainError } from './errors.js'
import { readPayoutStatus } from './payout-status-verdict.js'

/**
 * Daraja's answer to a reconcile run's Transaction Status query, on the payout's own secret URL.
 * It is stored on the payout for the run that asked (which may be waiting on another instance)
 * and settles nothing by itself: the run decides, with or without --fix.
 */
export async function recordReconcileAnswer(ctx: GatewayContext, token: string, runId: string, payload: TransactionStatusResult): Promise<{ recorded: boolean }> {
  const t = await ctx.store.findTransactionByPayoutToken(token)
  if (!t?.payout) throw new DomainError('not_found', 'Unknown callback', 'This callback URL does not belong to any payout.', '')
  const verdict = readPayoutStatus(t.payout, payload)
  if (verdict.kind === 'mismatch') {
    ctx.log.warn('reconcile.status_mismatch', { transaction_id: t.id })
    throw new DomainError('invalid', 'Transaction Status result does not match the payout', 'The result names another B2C than the one sent for this payout.', '')
  }
  const result = await ctx.store.transition({
    transactionId: t.id,
    guard: (c) => c.payout?.reconcile_check?.run_id === runId && c.payout.reconcile_check.answered_at === null,
    patch: (c) => ({
      payout: {
        ...c.payout!,
        reconcile_check: {
          ...c.payout!.reconcile_check!,
          answered_at: isoNow(ctx.clock),
          verdict: verdict.kind,
          receipt: verdict.kind === 'paid' ? verdict.receipt : null,
          detail: verdict.kind === 'paid' ? verdict.desc : verdict.kind === 'not_paid' ? verdict.reason : verdict.answer,
        },
      },
    }),
  })
  return { recorded: Boolean(result) }
}
