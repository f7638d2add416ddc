import { randomUUID } from 'node:crypto'
import { DarajaCallError } from '../daraja/errors.js'
import type { ReconcileItem } from '../schemas/reconcile.js'
import type { ReconcileCheck, TransactionRecord } from '../store/records.js'
import { b2cResultUrl, QUEUE_TIMEOUT_SUFFIX, RECONCILE_STATUS_SUFFIX } from '../utils/callback-paths.js'
import { boundedMap } from '../utils/bounded-map.js'
import { b2cResultToken } from './callback-tokens.js'
import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { finalizePayout } from './finalize-payout.js'
import { originatorConversationId } from './payout-schedule.js'
import { reconcileItem, type FixMode } from './reconcile-item.js'

/** How long a run waits for Daraja's Transaction Status answers (they come back asynchronously). */
export const ANSWER_WAIT_MS = 15_000
const POLL_MS = 100

/** The payouts a run asks Daraja about: B2Cs that can have reached it (manual payouts never do). */
export function isAskablePayout(t: TransactionRecord): boolean {
  const p = t.payout
  return p !== null && p.type === 'mpesa' && ['pending', 'needs_attention', 'success', 'failed'].includes(p.status)
}

type Answer = Pick<ReconcileCheck, 'verdict' | 'receipt' | 'detail'>

/**
 * Asks Transaction Status about each payout (at most `concurrency` queries at once, at `pace`), waits for
 * the answers, then judges each: undefined when both agree, else a report line, after settling
 * what --fix (and --force) allow through finalizePayout, the path a Daraja result takes.
 */
export async function reconcilePayouts(ctx: GatewayContext, payouts: TransactionRecord[], mode: FixMode, concurrency: number, pace: () => Promise<void>): Promise<ReconcileItem[]> {
  const runId = randomUUID()
  const asked = await boundedMap(payouts, concurrency, async (t) => {
    await pace()
    return ask(ctx, t, runId)
  })
  const answers = await waitForAnswers(ctx, payouts, asked, runId)
  const items = await Promise.all(payouts.map((t, i) => judge(ctx, t, answers[i], mode)))
  return items.filter((item): item is ReconcileItem => item !== undefined)
}

/** Opens the run's check on the payout, then asks; an answer known at once (Daraja refused the query) comes back here. */
async function ask(ctx: GatewayContext, t: TransactionRecord, runId: string): Promise<Answer | undefined> {
  const base = ctx.publicUrl()
  if (!base) return { verdict: null, receipt: null, detail: 'PUBLIC_SITE_URL is not set, so Daraja has nowhere to answer' }
  const check: ReconcileCheck = { run_id: runId, asked_at: isoNow(ctx.clock), answered_at: null, verdict: null, receipt: null, detail: null }
  await ctx.store.transition({ transactionId: t.id, guard: (c) => c.payout !== null, patch: (c) => ({ payout: { ...c.payout!, reconcile_check: check } }) })
  const resultUrl = b2cResultUrl(base, b2cResultToken(ctx, t.id))
  try {
    await ctx.daraja.transactionStatus({
      originalConversationId: t.payout!.originator_conversation_id ?? originatorConversationId(t.id),
      resultUrl: `${resultUrl}${RECONCILE_STATUS_SUFFIX}?run=${runId}`,
      queueTimeoutUrl: `${resultUrl}${QUEUE_TIMEOUT_SUFFIX}`,
      remarks: `Reconcile ${t.reference}`,
    })
    return undefined
  } catch (error) {
    if (!(error instanceof DarajaCallError)) throw error
    return { verdict: null, receipt: null, detail: error.errorCode ? `${error.errorCode} ${error.errorMessage}` : error.errorMessage }
  }
}

/** Reads the stored checks until every asked payout has its answer or the wait is over. */
async function waitForAnswers(ctx: GatewayContext, payouts: TransactionRecord[], asked: Array<Answer | undefined>, runId: string): Promise<Answer[]> {
  const answers: Array<Answer | undefined> = [...asked]
  // Waiting for an answer is I/O, not business time: the machine's clock.
  const deadline = Date.now() + ANSWER_WAIT_MS
  for (;;) {
    for (let i = 0; i < payouts.length; i++) {
      if (answers[i]) continue
      const check = (await ctx.store.getTransaction(payouts[i].id))?.payout?.reconcile_check
      if (check?.run_id === runId && check.answered_at !== null) answers[i] = check
    }
    if (answers.every(Boolean) || Date.now() >= deadline) break
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return answers.map((a) => a ?? { verdict: null, receipt: null, detail: `no Transaction Status answer within ${ANSWER_WAIT_MS / 1000} s` })
}

const DARAJA_WORD = { paid: 'paid', not_paid: 'failed', unknown: 'unknown' } as const

async function judge(ctx: GatewayContext, t: TransactionRecord, answer: Answer, mode: FixMode): Promise<ReconcileItem | undefined> {
  const payout = t.payout!
  const here = payout.status as 'pending' | 'needs_attention' | 'success' | 'failed'
  const daraja = answer.verdict === null ? 'no_answer' : DARAJA_WORD[answer.verdict]
  const line = (found: Pick<ReconcileItem, 'disagreement' | 'action' | 'note'>) =>
    reconcileItem(t, { subject: 'payout', amount: payout.amount, here, daraja, daraja_detail: answer.detail, ...found })

  if (here === 'pending' || here === 'needs_attention') {
    const disagreement = 'payout_without_result'
    if (answer.verdict === 'paid' || answer.verdict === 'not_paid') {
      const paid = answer.verdict === 'paid'
      const outcome = paid ? `success${answer.receipt ? ` (receipt ${answer.receipt})` : ''}, with payout.success` : 'failed, with payout.failed'
      if (!mode.fix) return line({ disagreement, action: 'needs_fix', note: `Run with --fix to settle it as ${outcome}.` })
      const settled = await finalizePayout(ctx, t.id, paid
        ? { status: 'success', result_code: '0', result_desc: answer.detail ?? '', mpesa_receipt: answer.receipt }
        : { status: 'failed', result_code: null, result_desc: answer.detail ?? 'Daraja says the B2C did not pay' })
      if (!settled) return line({ disagreement, action: 'already_settled', note: 'Its result arrived during this run.' })
      return line({ disagreement, action: 'fixed', note: `Settled as ${outcome}.` })
    }
    const next = here === 'needs_attention'
      ? `check the B2C shortcode's M-Pesa statement for ${payout.originator_conversation_id ?? originatorConversationId(t.id)}, then mpg payouts settle ${t.id}`
      : 'the gateway keeps asking (Transaction Status) and marks it needs_attention if Daraja never knows'
    return line({ disagreement, action: 'listed', note: `Daraja cannot confirm this B2C yet: ${next}.` })
  }
  if (here === 'failed' && answer.verdict === 'paid') {
    const disagreement = 'payout_paid_at_daraja_failed_here'
    if (!mode.force) {
      return line({ disagreement, action: 'needs_force', note: 'Daraja paid this B2C: do not pay the merchant again by hand. Run with --fix --force to record it as a success (payout.success; no money moves).' })
    }
    const settled = await finalizePayout(ctx, t.id, { status: 'success', result_code: '0', result_desc: answer.detail ?? '', mpesa_receipt: answer.receipt }, {}, undefined, ['failed'])
    if (!settled) return line({ disagreement, action: 'already_settled', note: 'It changed during this run; run mpg reconcile again to see where it stands.' })
    return line({ disagreement, action: 'fixed', note: 'Recorded as a success with payout.success; no money moved.' })
  }
  if (here === 'success' && answer.verdict === 'not_paid') {
    return line({
      disagreement: 'payout_failed_at_daraja_success_here',
      action: mode.force ? 'refused' : 'listed',
      note: 'Daraja says this B2C did not pay, but payout.success went out. Reconcile never reverses or re-sends a payout (money must not move twice): check the statement and pay the merchant by hand if it is missing.',
    })
  }
  if (answer.verdict === null) {
    return line({ disagreement: 'daraja_did_not_answer', action: 'listed', note: `Daraja could not say (${answer.detail}); run mpg reconcile again later.` })
  }
  return undefined
}
