import { sinceMs, type ReconcileInput, type ReconcileReport } from '../schemas/reconcile.js'
import { boundedMap } from '../utils/bounded-map.js'
import { createPacer } from '../utils/pacer.js'
import type { GatewayContext } from './context.js'
import { reconcilePayment } from './reconcile-payments.js'
import { isAskablePayout, reconcilePayouts } from './reconcile-payouts.js'
import { transactionsSince } from './reconcile-scope.js'

/**
 * Daraja queries in flight at once, and started per second (per API). Daraja does not publish its
 * limits (the sandbox arrests bursts of more than about 5 requests a second per API), so a run
 * stays below them; a spike-arrest answer is asked again after a wait (ask-stk.ts).
 */
export const DARAJA_CONCURRENCY = 3
export const DARAJA_QUERIES_PER_S = 4

const SETTLED = new Set(['fixed', 'already_settled'])

/**
 * `mpg reconcile`: asks Daraja about every payment (STK Query) and B2C payout (Transaction
 * Status) of the period and reports where the two disagree; with `fix`, settles what Daraja
 * proves through the same paths a callback takes; with `force`, also corrects final states where
 * no money can move twice. Payouts are judged as they stood when the run began, so a payout a fix
 * has just planned is not reported as missing its result.
 */
export async function reconcileWithDaraja(ctx: GatewayContext, input: ReconcileInput): Promise<ReconcileReport> {
  const until = ctx.clock.now()
  const since = new Date(until - sinceMs(input.since)).toISOString()
  const { transactions, truncated } = await transactionsSince(ctx, since, input.limit)
  const mode = { fix: input.fix, force: input.force }
  const payouts = transactions.filter(isAskablePayout)
  ctx.log.info('reconcile.run', { since, payments: transactions.length, payouts: payouts.length, fix: input.fix, force: input.force })

  const stkPace = createPacer(DARAJA_QUERIES_PER_S)
  const paymentLines = await boundedMap(transactions, DARAJA_CONCURRENCY, (t) => reconcilePayment(ctx, t, mode, stkPace))
  const payoutLines = await reconcilePayouts(ctx, payouts, mode, DARAJA_CONCURRENCY, createPacer(DARAJA_QUERIES_PER_S))
  const disagreements = [...paymentLines.filter((line) => line !== undefined), ...payoutLines]
  for (const line of disagreements) ctx.log.warn('reconcile.disagreement', { transaction_id: line.transaction_id, subject: line.subject, disagreement: line.disagreement, action: line.action })
  return {
    since,
    until: new Date(until).toISOString(),
    fix: input.fix,
    force: input.force,
    checked: { payments: transactions.length, payouts: payouts.length },
    truncated,
    disagreements,
    unresolved: disagreements.filter((line) => !SETTLED.has(line.action)).length,
  }
}
