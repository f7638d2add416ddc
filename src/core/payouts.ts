import { DarajaCallError, isDuplicateRequest, isTransient } from '../daraja/errors.js'
import { resultParameter, type B2cResult } from '../schemas/daraja.js'
import type { PayoutAccount, PayoutRecord, TransactionRecord } from '../store/records.js'
import { b2cResultUrl, QUEUE_TIMEOUT_SUFFIX } from '../utils/callback-paths.js'
import { ackAwaitingResult, storeAck } from './b2c-acks.js'
import { b2cResultToken } from './callback-tokens.js'
import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { DomainError } from './errors.js'
import { finalizePayout } from './finalize-payout.js'
import { payoutLeaseMs, withPayoutLease } from './payout-lease.js'
import { b2cDue, originatorConversationId, statusCheckDue, TAKEN_WITHOUT_ID, withJitter } from './payout-schedule.js'
import { checkPayoutStatus } from './payout-status.js'

/** B2C ResultCode 15: "Duplicate OriginatorConversationID" (daraja.md §5.5). */
const DUPLICATE_RESULT_CODES = new Set(['15'])


/** B2C moves whole shillings only; the cents of net_amount stay with the platform. */
export function payoutAmount(netAmount: number): number {
  return Math.floor(netAmount)
}

/**
 * The payout a successful payment owes: a B2C to an M-Pesa payout phone, or a manual payout for
 * Paybill/Till/Bank. Stored with the payment's final state, in the same write, so a crash cannot
 * leave a paid transaction without its payout.
 */
export function planPayout(destination: PayoutAccount | null | undefined, t: TransactionRecord, resultToken: string, now: string): PayoutRecord | null {
  if (!destination) return null
  if (destination.type !== 'mpesa') {
    return { status: 'pending_manual', type: destination.type, amount: t.net_amount, destination, created_at: now, updated_at: now }
  }
  return {
    status: 'pending',
    type: 'mpesa',
    amount: payoutAmount(t.net_amount),
    destination,
    originator_conversation_id: originatorConversationId(t.id),
    // Stored hashed; the clear token is derived again for each send (core/callback-tokens.ts).
    callback_token: resultToken,
    conversation_id: null,
    attempts: 0,
    // Present (null) from the start, so that each later change (ack, result) is a copy that only
    // replaces fields: one that adds fields takes V8's slow path (2-7 µs each, bench/README.md).
    next_attempt_at: null,
    status_due_at: null,
    result_code: null,
    result_desc: null,
    mpesa_receipt: null,
    created_at: now,
    updated_at: now,
  }
}

/**
 * Starts the B2C of a freshly planned payout without holding up the caller (a Daraja callback).
 * `resultToken`: its ResultURL token when the caller derived it already (b2cResultToken).
 */
export function startPayout(ctx: GatewayContext, t: TransactionRecord, resultToken?: string): void {
  if (t.payout?.status !== 'pending') return
  const work = sendB2c(ctx, t, ctx.clock.now(), resultToken || undefined, true).catch((error) =>
    ctx.log.error('payout.failed_to_send', { transaction_id: t.id, message: error instanceof Error ? error.message : String(error) }),
  )
  // Serverless: the platform may freeze the function once it answered; if it does anyway, the
  // next round sends this B2C (it stays due), with the same OriginatorConversationID.
  ctx.serverless?.waitUntil?.(work)
  ctx.clock.track?.(work)
}

/**
 * Sends (or re-sends) the B2C of a pending payout when it is due. Every attempt uses the same
 * OriginatorConversationID, so Daraja answers "Duplicate" instead of paying twice.
 */
export async function sendB2c(ctx: GatewayContext, t: TransactionRecord, now = ctx.clock.now(), resultToken?: string, first = false): Promise<void> {
  // The leased copy is read inside the lease: the caller's may predate an attempt that just ended.
  await withPayoutLease(ctx, t.id, async (current) => {
    if (b2cDue(current.payout, now, ctx.config.payoutRetryDelaysMs.length + 1)) await sendB2cOnce(ctx, current, resultToken, first)
  })
}

/**
 * `first`: the payment's own first B2C (startPayout), whose ack may wait for its result to be
 * stored with it; a pass's attempts (retries, resumes, in batches) store theirs at once.
 */
async function sendB2cOnce(ctx: GatewayContext, t: TransactionRecord, resultToken = b2cResultToken(ctx, t.id), first = false): Promise<void> {
  const payout = t.payout
  if (!payout || payout.status !== 'pending' || payout.destination.type !== 'mpesa' || !payout.callback_token) return
  const base = ctx.publicUrl()
  if (!base) {
    ctx.log.error('payout.misconfigured', { transaction_id: t.id, message: 'PUBLIC_SITE_URL is not set' })
    return
  }
  const resultUrl = b2cResultUrl(base, resultToken)
  const attempt = (payout.attempts ?? 0) + 1
  try {
    const ack = await ctx.daraja.b2c({
      originatorConversationId: payout.originator_conversation_id ?? originatorConversationId(t.id),
      phone: payout.destination.phone,
      amount: payout.amount,
      remarks: `Payout ${t.reference}`.slice(0, 100),
      resultUrl,
      queueTimeoutUrl: `${resultUrl}${QUEUE_TIMEOUT_SUFFIX}`,
    })
    ctx.log.info('payout.sent', { transaction_id: t.id, amount: payout.amount, attempt })
    // Stored with the result when that comes soon (one write for both), else alone (b2c-acks.ts).
    const alone = () => markTaken(ctx, t.id, attempt, ack.ConversationID)
    await (first ? storeAck(ctx, { attempt, conversationId: ack.ConversationID }, t.id, alone) : alone())
  } catch (error) {
    if (!(error instanceof DarajaCallError)) throw error
    if (isDuplicateRequest(error)) {
      // An earlier attempt was taken (its answer was lost, or we crashed): its result settles it.
      await markTaken(ctx, t.id, attempt, null)
      ctx.log.info('payout.already_taken', { transaction_id: t.id, attempt })
      return
    }
    if (!isTransient(error)) {
      await finalizePayout(ctx, t.id, { status: 'failed', result_code: error.errorCode, result_desc: error.errorMessage }, { attempts: attempt }, ctx.leaseOwner)
      return
    }
    await retryLater(ctx, t.id, attempt, error)
  }
}

/** Daraja took the B2C (its ack, or its duplicate check): wait for the result, then ask. */
async function markTaken(ctx: GatewayContext, transactionId: string, attempt: number, conversationId: string | null): Promise<void> {
  // Stored late (it waited for the result): the result still gets its whole time before it is asked about.
  const now = new Date(ctx.clock.now())
  await ctx.store.transition({
    transactionId,
    payoutLeaseOwner: ctx.leaseOwner,
    guard: (current) => current.payout?.status === 'pending',
    patch: (current) => ({
      payout: {
        ...current.payout!,
        conversation_id: conversationId ?? current.payout!.conversation_id ?? TAKEN_WITHOUT_ID,
        attempts: Math.max(attempt, current.payout!.attempts ?? 0),
        next_attempt_at: null,
        status_due_at: new Date(now.getTime() + ctx.config.payoutStatusAfterS * 1000).toISOString(),
        updated_at: now.toISOString(),
      },
    }),
  })
}

/**
 * A transient answer: the next attempt is scheduled (backoff with jitter). After the last one the
 * payout fails, unless an attempt may have been taken (no answer): then Daraja is asked first.
 */
async function retryLater(ctx: GatewayContext, transactionId: string, attempt: number, error: DarajaCallError): Promise<void> {
  const delays = ctx.config.payoutRetryDelaysMs
  const answer = error.errorCode ? `${error.errorCode} ${error.errorMessage}` : error.errorMessage
  const uncertain = error.kind === 'unreachable' ? error.ambiguous : error.ambiguous || error.kind === 'bad_answer'
  const now = new Date(ctx.clock.now())
  if (attempt > delays.length) {
    const current = await ctx.store.getTransaction(transactionId)
    if (!current?.payout?.uncertain && !uncertain) {
      const desc = `${error.errorMessage} (Daraja refused all ${attempt} attempts)`
      await finalizePayout(ctx, transactionId, { status: 'failed', result_code: error.errorCode ?? (error.status ? `HTTP ${error.status}` : null), result_desc: desc }, { attempts: attempt }, ctx.leaseOwner)
      return
    }
  }
  const last = attempt > delays.length
  await ctx.store.transition({
    transactionId,
    payoutLeaseOwner: ctx.leaseOwner,
    guard: (current) => current.payout?.status === 'pending' && !current.payout.conversation_id,
    patch: (current) => ({
      payout: {
        ...current.payout!,
        attempts: attempt,
        uncertain: current.payout!.uncertain || uncertain,
        next_attempt_at: last ? null : new Date(now.getTime() + withJitter(delays[attempt - 1])).toISOString(),
        // Retries are over but one attempt may have been taken: ask Daraja before calling it failed.
        status_due_at: last ? new Date(now.getTime() + ctx.config.payoutStatusAfterS * 1000).toISOString() : null,
        updated_at: now.toISOString(),
      },
    }),
  })
  ctx.log.warn('payout.retry_later', { transaction_id: transactionId, attempt, answer, last })
}

/** Daraja's B2C result for the payout its URL token names; duplicates are acknowledged and ignored. */
export async function applyB2cResult(ctx: GatewayContext, token: string, payload: B2cResult): Promise<{ applied: boolean }> {
  const t = await ctx.store.findTransactionByPayoutToken(token)
  if (!t || !t.payout) throw new DomainError('not_found', 'Unknown callback', 'This callback URL does not belong to any payout.', '')
  const r = payload.Result
  if (t.payout.originator_conversation_id && r.OriginatorConversationID !== t.payout.originator_conversation_id) {
    ctx.log.warn('payout.callback_mismatch', { transaction_id: t.id })
    throw new DomainError('invalid', 'Callback does not match the payout', 'The OriginatorConversationID differs from the one sent for this payout.', '')
  }
  if (t.payout.status !== 'pending' && t.payout.status !== 'needs_attention') return { applied: false }
  const code = String(r.ResultCode)
  if (DUPLICATE_RESULT_CODES.has(code)) {
    // The answer to a re-send (after a crash or a lost ack), not the payout's outcome: the first
    // request's own result settles it.
    ctx.log.info('payout.duplicate_result', { transaction_id: t.id, result_code: code })
    return { applied: false }
  }
  const receipt = resultParameter(r.ResultParameters?.ResultParameter, 'TransactionReceipt') ?? (code === '0' ? r.TransactionID : null)
  // Daraja's ack of this B2C, when it is still waiting to be stored: it goes into this write.
  const ack = ackAwaitingResult(ctx, t.id)
  const outcome = {
    status: code === '0' ? ('success' as const) : ('failed' as const),
    result_code: code,
    result_desc: r.ResultDesc,
    mpesa_receipt: receipt === null || receipt === undefined ? null : String(receipt),
  }
  const applied = await finalizePayout(ctx, t.id, outcome, ack ? { conversation_id: ack.taken.conversationId, attempts: Math.max(ack.taken.attempt, t.payout.attempts ?? 0) } : {})
  if (ack) {
    if (applied) ack.stored()
    else await ack.storeAlone()
  }
  return { applied }
}

/**
 * Admin: a payout a person finished — a Paybill/Till/Bank payout paid by hand, or a
 * `needs_attention` B2C checked against the M-Pesa statement (paid by the B2C, or by hand).
 */
export async function settlePayout(ctx: GatewayContext, transactionId: string, input: { mpesa_receipt?: string } = {}): Promise<TransactionRecord> {
  const t = await ctx.store.getTransaction(transactionId)
  if (!t) throw new DomainError('not_found', 'Transaction not found', 'Check the transaction id.', '')
  if (t.payout?.status === 'settled') return t
  const result = await ctx.store.transition({
    transactionId,
    guard: (current) => current.payout?.status === 'pending_manual' || current.payout?.status === 'needs_attention',
    patch: (current) => {
      const at = isoNow(ctx.clock)
      const receipt = input.mpesa_receipt ?? current.payout!.mpesa_receipt ?? null
      return { payout: { ...current.payout!, status: 'settled', mpesa_receipt: receipt, settled_at: at, updated_at: at } }
    },
  })
  if (!result) {
    throw new DomainError(
      'conflict',
      'Payout is not waiting for a person',
      'Only payouts in status pending_manual or needs_attention can be settled; a pending B2C settles itself.',
      `payout status: ${t.payout?.status ?? 'none'}`,
    )
  }
  ctx.log.info('payout.settled', { transaction_id: transactionId, was: t.payout?.status })
  return result.transaction
}

/** Payouts leased per round of a pass: run together, a few at a time (spike arrest). */
const PAYOUT_BATCH = 8

/** What one pass over pending payouts did. */
export interface PayoutPassCounts {
  /** Due B2C attempts (first, retry, or after a restart) made. */
  sent: number
  /** Payouts whose result is late, asked about (Transaction Status). */
  status_checked: number
}

/**
 * One pass over pending payouts: B2Cs due for an attempt are sent (the retry schedule, or after a
 * restart), and those without a result past MPG_PAYOUT_STATUS_AFTER_S are asked about; at most
 * `limit` of them. Any process runs passes: the store leases each due payout to one of them, and
 * decides what is due by its own clock (the database's on PostgreSQL), so processes with skewed
 * clocks agree.
 */
export async function advancePayouts(ctx: GatewayContext, options: { sendNow?: boolean; limit?: number } = {}): Promise<PayoutPassCounts> {
  if (options.sendNow) return resumeAll(ctx)
  const leaseMs = payoutLeaseMs(ctx.config.darajaTimeoutMs)
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const counts: PayoutPassCounts = { sent: 0, status_checked: 0 }
  const seen = new Set<string>()
  while (seen.size < limit) {
    const batch = await ctx.store.claimDuePayouts(ctx.leaseOwner, leaseMs, Math.min(PAYOUT_BATCH, limit - seen.size))
    // A payout whose step did nothing (e.g. its attempts are used up) comes back: one visit a pass.
    const fresh = batch.filter((t) => !seen.has(t.id))
    for (const t of batch) if (seen.has(t.id) && !ctx.b2cInFlight.has(t.id)) await ctx.store.releasePayout(t.id, ctx.leaseOwner)
    if (fresh.length === 0) break
    for (const t of fresh) seen.add(t.id)
    await Promise.all(fresh.map((t) => runStep(ctx, t, Number.POSITIVE_INFINITY, counts)))
  }
  return counts
}

/** The step a leased payout is due for: its next B2C attempt, or a Transaction Status query. */
function runStep(ctx: GatewayContext, t: TransactionRecord, now: number, counts: PayoutPassCounts, statusNow = now): Promise<void> {
  const send = b2cDue(t.payout, now, ctx.config.payoutRetryDelaysMs.length + 1)
  counts[send ? 'sent' : 'status_checked']++
  return send ? sendB2c(ctx, t, now) : checkPayoutStatus(ctx, t, statusNow)
}

/** Unacknowledged B2Cs go at once (deduped by Daraja), whatever their schedule said; status checks when due. */
async function resumeAll(ctx: GatewayContext): Promise<PayoutPassCounts> {
  const now = ctx.clock.now()
  const maxAttempts = ctx.config.payoutRetryDelaysMs.length + 1
  const statusAfterMs = ctx.config.payoutStatusAfterS * 1000
  const counts: PayoutPassCounts = { sent: 0, status_checked: 0 }
  const due = (await ctx.store.listPendingPayouts()).filter((t) => b2cDue(t.payout, Number.POSITIVE_INFINITY, maxAttempts) || statusCheckDue(t.payout, now, statusAfterMs))
  for (let i = 0; i < due.length; i += PAYOUT_BATCH) {
    await Promise.all(due.slice(i, i + PAYOUT_BATCH).map((t) => runStep(ctx, t, Number.POSITIVE_INFINITY, counts, now)))
  }
  return counts
}

/**
 * After a restart (the leader's, on a shared store): whatever was due while the gateway was down
 * happens now. Payouts another process holds are left to it.
 */
export function resumePayouts(ctx: GatewayContext): Promise<PayoutPassCounts> {
  return advancePayouts(ctx, { sendNow: true })
}
