import { DarajaCallError } from '../daraja/errors.js'
import type { TransactionStatusResult } from '../schemas/daraja.js'
import type { TransactionRecord } from '../store/records.js'
import { b2cResultToken } from './callback-tokens.js'
import { isoIn, isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { DomainError } from './errors.js'
import { finalizePayout } from './finalize-payout.js'
import { withPayoutLease } from './payout-lease.js'
import { b2cResultUrl, QUEUE_TIMEOUT_SUFFIX, TRANSACTION_STATUS_SUFFIX } from '../utils/callback-paths.js'
import { originatorConversationId, statusCheckDue } from './payout-schedule.js'
import { readPayoutStatus } from './payout-status-verdict.js'

/** Transaction Status queries per payout before a person is asked to look. */
export const MAX_STATUS_CHECKS = 3

/**
 * Asks Daraja about a B2C whose result is late, by its OriginatorConversationID. The query is
 * counted (and the next one scheduled) before Daraja is called; after MAX_STATUS_CHECKS without a
 * usable answer the payout becomes `needs_attention`.
 */
export async function checkPayoutStatus(ctx: GatewayContext, t: TransactionRecord, now = ctx.clock.now()): Promise<void> {
  await withPayoutLease(ctx, t.id, async (current) => {
    const statusAfterMs = ctx.config.payoutStatusAfterS * 1000
    if (!current.payout?.callback_token || !statusCheckDue(current.payout, now, statusAfterMs)) return
    const payout = current.payout
    // The stored callback_token is a hash: the URL's token is derived again (see callback-tokens.ts).
    const token = b2cResultToken(ctx, t.id)
    const checks = payout.status_checks ?? 0
    if (checks >= MAX_STATUS_CHECKS) {
      const why = payout.status_answer ? `Transaction Status said: ${payout.status_answer}` : 'no answer'
      await markNeedsAttention(ctx, t.id, `Daraja could not confirm this B2C: ${why}, after ${checks} Transaction Status queries. Check the M-Pesa statement, then settle it.`, ctx.leaseOwner)
      return
    }
    const base = ctx.publicUrl()
    if (!base) return
    const counted = await ctx.store.transition({
      transactionId: t.id,
      payoutLeaseOwner: ctx.leaseOwner,
      guard: (c) => c.payout?.status === 'pending' && (c.payout.status_checks ?? 0) === checks,
      patch: (c) => ({
        payout: { ...c.payout!, status_checks: checks + 1, status_due_at: isoIn(ctx.clock, statusAfterMs), updated_at: isoNow(ctx.clock) },
      }),
    })
    if (!counted) return
    try {
      await ctx.daraja.transactionStatus({
        originalConversationId: payout.originator_conversation_id ?? originatorConversationId(t.id),
        resultUrl: `${b2cResultUrl(base, token)}${TRANSACTION_STATUS_SUFFIX}`,
        queueTimeoutUrl: `${b2cResultUrl(base, token)}${QUEUE_TIMEOUT_SUFFIX}`,
        remarks: `Payout ${current.reference}`,
      })
      ctx.log.info('payout.status_asked', { transaction_id: t.id, query: checks + 1 })
    } catch (error) {
      if (!(error instanceof DarajaCallError)) throw error
      await noteAnswer(ctx, t.id, error.errorCode ? `${error.errorCode} ${error.errorMessage}` : error.errorMessage)
    }
  })
}

/** Daraja's answer to a payout's Transaction Status query; settles the payout when it can. */
export async function applyTransactionStatusResult(ctx: GatewayContext, token: string, payload: TransactionStatusResult): Promise<{ applied: boolean }> {
  const t = await ctx.store.findTransactionByPayoutToken(token)
  if (!t?.payout) throw new DomainError('not_found', 'Unknown callback', 'This callback URL does not belong to any payout.', '')
  const payout = t.payout
  if (payout.status !== 'pending' && payout.status !== 'needs_attention') return { applied: false }
  const verdict = readPayoutStatus(payout, payload)
  if (verdict.kind === 'mismatch') {
    ctx.log.warn('payout.status_mismatch', { transaction_id: t.id })
    throw new DomainError('invalid', 'Transaction Status result does not match the payout', 'The result names another B2C than the one sent for this payout.', '')
  }
  if (verdict.kind === 'paid') {
    return { applied: await finalizePayout(ctx, t.id, { status: 'success', result_code: '0', result_desc: verdict.desc, mpesa_receipt: verdict.receipt }) }
  }
  if (verdict.kind === 'not_paid') {
    return { applied: await finalizePayout(ctx, t.id, { status: 'failed', result_code: null, result_desc: verdict.reason }) }
  }
  await noteAnswer(ctx, t.id, verdict.answer)
  return { applied: false }
}

/** An answer that settles nothing: kept for the operator; the last allowed query ends in needs_attention. */
async function noteAnswer(ctx: GatewayContext, transactionId: string, answer: string): Promise<void> {
  const result = await ctx.store.transition({
    transactionId,
    guard: (c) => c.payout?.status === 'pending',
    patch: (c) => ({ payout: { ...c.payout!, status_answer: answer, updated_at: isoNow(ctx.clock) } }),
  })
  ctx.log.info('payout.status_unknown', { transaction_id: transactionId, answer })
  const checks = result?.transaction.payout?.status_checks ?? 0
  if (result && checks >= MAX_STATUS_CHECKS) {
    await markNeedsAttention(
      ctx,
      transactionId,
      `Daraja could not confirm this B2C: Transaction Status said ${answer}, after ${checks} queries. Check the M-Pesa statement, then settle it.`,
    )
  }
}

/** Daraja cannot say: a person must look. No event (none is defined for it); listed by the admin API. */
async function markNeedsAttention(ctx: GatewayContext, transactionId: string, reason: string, payoutLeaseOwner?: string): Promise<void> {
  const result = await ctx.store.transition({
    transactionId,
    payoutLeaseOwner,
    guard: (c) => c.payout?.status === 'pending',
    patch: (c) => ({
      payout: { ...c.payout!, status: 'needs_attention', attention_reason: reason, status_due_at: null, next_attempt_at: null, updated_at: isoNow(ctx.clock) },
    }),
  })
  if (result) ctx.log.warn('payout.needs_attention', { transaction_id: transactionId, reason })
}
