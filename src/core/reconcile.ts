import { DarajaCallError } from '../daraja/errors.js'
import type { TransactionRecord } from '../store/records.js'
import type { GatewayContext } from './context.js'
import { isoIn } from './clock.js'
import { finalizePayment } from './finalize-payment.js'
import { advancePayouts } from './payouts.js'
import { interruptedBefore, settleInterruptedRequests } from './recover.js'

/** Query answers that mean "no answer yet", never "failed" (daraja.md §4). */
const STILL_PROCESSING_CODES = new Set(['4999'])

/** The result_desc of a payment declared failed because Daraja never confirmed its push. */
export const UNCONFIRMED_PUSH_DESC = 'Daraja never confirmed the STK push'

export interface Reconciler {
  /** Runs one pass now (tests and shutdown use it); resolves when the pass is done. */
  runOnce(): Promise<void>
  stop(): void
}

/**
 * Settles payments whose callback never came: every pending transaction older than
 * MPG_RECONCILE_AFTER_S is asked about with STK Query. A pass visits only pending payments (the
 * store's index of them), never the settled ones, however many there are. Racing a late callback
 * is safe because both go through finalizePayment's compare-and-set.
 */
export function startReconciler(ctx: GatewayContext): Reconciler {
  const afterMs = ctx.config.reconcileAfterS * 1000
  const intervalMs = Math.max(50, Math.min(5000, afterMs / 2))
  let running: Promise<void> | undefined
  let stopped = false

  const pass = async () => {
    // On a shared store one process (the leader) reconciles; the others stand by.
    if (!(await ctx.store.tryLead())) return
    await reconcileDue(ctx, { stopped: () => stopped })
  }
  const runOnce = () => {
    running ??= pass()
      .catch((error) => ctx.log.error('reconcile.failed', { message: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        running = undefined
      })
    return running
  }
  const timer = ctx.clock.setRepeating(runOnce, intervalMs, 'reconcile')

  // Payouts keep their own pace: retry delays and MPG_PAYOUT_STATUS_AFTER_S may be much shorter
  // than the STK reconciliation age.
  let payoutPass: Promise<void> | undefined
  const runPayouts = () => {
    // Every process runs payouts: the store leases each due one to one process at a time (the
    // first B2C is sent by the process that settled the payment); Daraja's OriginatorConversationID
    // dedupe stays the last guard.
    payoutPass ??= advancePayouts(ctx)
      .then(() => undefined)
      .catch((error) => ctx.log.error('payouts.pass_failed', { message: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        payoutPass = undefined
      })
    return payoutPass
  }
  const payoutTimer = ctx.clock.setRepeating(() => (stopped ? undefined : runPayouts()), payoutIntervalMs(ctx), 'payouts')
  return {
    async runOnce() {
      await runOnce()
      await runPayouts()
    },
    stop() {
      stopped = true
      timer.cancel()
      payoutTimer.cancel()
    },
  }
}

/** What one reconciliation pass did. */
export interface ReconcileCounts {
  /** Pending payments past MPG_RECONCILE_AFTER_S looked at. */
  checked: number
  /** Of those, settled by Daraja's answer (or declared failed, for a push Daraja never confirmed). */
  settled: number
}

/**
 * The leader's reconciliation pass (the caller holds the leadership): Idempotency-Keys cut off by
 * a crash on a shared store are settled, then pending payments past MPG_RECONCILE_AFTER_S are
 * asked about, five at a time, at most `limit` of them (oldest first).
 */
export async function reconcileDue(ctx: GatewayContext, options: { limit?: number; stopped?: () => boolean } = {}): Promise<ReconcileCounts> {
  if (ctx.store.shared) await settleInterruptedRequests(ctx, interruptedBefore(ctx.config.darajaTimeoutMs, ctx.clock.now()))
  const cutoff = isoIn(ctx.clock, -ctx.config.reconcileAfterS * 1000)
  const due = (await ctx.store.listPendingTransactions(cutoff)).slice(0, options.limit ?? Number.POSITIVE_INFINITY)
  const counts: ReconcileCounts = { checked: 0, settled: 0 }
  for (let i = 0; i < due.length && !options.stopped?.(); i += 5) {
    const settled = await Promise.all(due.slice(i, i + 5).map((t) => reconcileOne(ctx, t)))
    counts.checked += settled.length
    counts.settled += settled.filter(Boolean).length
  }
  return counts
}

/** A quarter of the shortest payout wait, between 20 ms and 5 s. */
function payoutIntervalMs(ctx: GatewayContext): number {
  const shortest = Math.min(ctx.config.payoutStatusAfterS * 1000, ...ctx.config.payoutRetryDelaysMs.map((ms) => Math.max(ms, 1)))
  return Math.max(20, Math.min(5000, shortest / 4))
}

/** Whether the payment was settled by this look. */
async function reconcileOne(ctx: GatewayContext, t: TransactionRecord): Promise<boolean> {
  if (!t.checkout_request_id) {
    // Daraja's answer to the push never came (a timeout, a lost connection, a crash before the
    // answer was stored), so there is nothing to ask STK Query about: only the callback (found by
    // its URL token) can tell. Past MPG_UNCONFIRMED_PUSH_TIMEOUT_S (by default well past any
    // prompt's 1–3 minute life) the payment is declared failed, so every payment ends final; a
    // success callback that still comes is kept as the payment's late_success (late-success.ts).
    // Never before the push could still be answered (another process on a shared store may hold it).
    const giveUpMs = Math.max(ctx.config.unconfirmedPushTimeoutS * 1000, 2 * ctx.config.darajaTimeoutMs)
    if (ctx.pushesInFlight.has(t.id) || ctx.clock.now() - Date.parse(t.created_at) < giveUpMs) return false
    return finalizePayment(ctx, t.id, { status: 'failed', result_code: null, result_desc: UNCONFIRMED_PUSH_DESC }, 'reconcile')
  }
  try {
    const { data } = await ctx.daraja.stkQuery(t.checkout_request_id)
    const code = String(data.ResultCode)
    if (STILL_PROCESSING_CODES.has(code)) return false
    return await finalizePayment(
      ctx,
      t.id,
      { status: code === '0' ? 'success' : 'failed', result_code: code, result_desc: data.ResultDesc },
      'reconcile',
    )
  } catch (error) {
    if (error instanceof DarajaCallError) {
      // 500.001.1001 "being processed" / empty message / "does not Exist" yet: ask again next pass.
      ctx.log.info('reconcile.not_yet', { transaction_id: t.id, code: error.errorCode, message: error.errorMessage })
      return false
    }
    throw error
  }
}
