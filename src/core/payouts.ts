import { DarajaCallError } from '../daraja/errors.js'
import { resultParameter, type B2cResult } from '../schemas/daraja.js'
import type { PayoutAccount, PayoutRecord, TransactionRecord } from '../store/records.js'
import { b2cResultUrl, QUEUE_TIMEOUT_SUFFIX } from '../utils/callback-paths.js'
import { newSecretToken } from '../utils/ids.js'
import type { GatewayContext } from './context.js'
import { DomainError } from './errors.js'
import { payoutEvent } from './event-data.js'

/** B2C ResultCode 15: "Duplicate OriginatorConversationID" (daraja.md §5.5). */
const DUPLICATE_RESULT_CODES = new Set(['15'])

/** Derived from the transaction, so Daraja's v3 dedupe refuses a second B2C for it. */
export function originatorConversationId(transactionId: string): string {
  return `mpg-${transactionId}`
}

/** B2C moves whole shillings only; the cents of net_amount stay with the platform. */
export function payoutAmount(netAmount: number): number {
  return Math.floor(netAmount)
}

/**
 * The payout a successful payment owes: a B2C to an M-Pesa payout phone, or a manual payout for
 * Paybill/Till/Bank. Stored with the payment's final state, in the same write, so a crash cannot
 * leave a paid transaction without its payout.
 */
export function planPayout(destination: PayoutAccount | null | undefined, t: TransactionRecord): PayoutRecord | null {
  if (!destination) return null
  const now = new Date().toISOString()
  if (destination.type !== 'mpesa') {
    return { status: 'pending_manual', type: destination.type, amount: t.net_amount, destination, created_at: now, updated_at: now }
  }
  return {
    status: 'pending',
    type: 'mpesa',
    amount: payoutAmount(t.net_amount),
    destination,
    originator_conversation_id: originatorConversationId(t.id),
    callback_token: newSecretToken(),
    conversation_id: null,
    attempts: 0,
    created_at: now,
    updated_at: now,
  }
}

/** Starts the B2C of a freshly planned payout without holding up the caller (a Daraja callback). */
export function startPayout(ctx: GatewayContext, t: TransactionRecord): void {
  if (t.payout?.status !== 'pending') return
  sendB2c(ctx, t).catch((error) =>
    ctx.log.error('payout.failed_to_send', { transaction_id: t.id, message: error instanceof Error ? error.message : String(error) }),
  )
}

/**
 * Sends (or re-sends after a restart) the B2C of a pending payout. Re-sending uses the same
 * OriginatorConversationID, so Daraja answers "Duplicate" instead of paying twice.
 */
export async function sendB2c(ctx: GatewayContext, t: TransactionRecord): Promise<void> {
  const sending = ctx.b2cInFlight
  if (sending.has(t.id)) return
  sending.add(t.id)
  try {
    await sendB2cOnce(ctx, t)
  } finally {
    sending.delete(t.id)
  }
}

async function sendB2cOnce(ctx: GatewayContext, t: TransactionRecord): Promise<void> {
  const payout = t.payout
  if (!payout || payout.status !== 'pending' || payout.destination.type !== 'mpesa' || !payout.callback_token) return
  const base = ctx.publicUrl()
  if (!base) {
    ctx.log.error('payout.misconfigured', { transaction_id: t.id, message: 'PUBLIC_SITE_URL is not set' })
    return
  }
  const resultUrl = b2cResultUrl(base, payout.callback_token)
  try {
    const ack = await ctx.daraja.b2c({
      originatorConversationId: payout.originator_conversation_id ?? originatorConversationId(t.id),
      phone: payout.destination.phone,
      amount: payout.amount,
      remarks: `Payout ${t.reference}`.slice(0, 100),
      resultUrl,
      queueTimeoutUrl: `${resultUrl}${QUEUE_TIMEOUT_SUFFIX}`,
    })
    await ctx.store.transition({
      transactionId: t.id,
      guard: (current) => current.payout?.status === 'pending',
      patch: (current) => ({
        payout: { ...current.payout!, conversation_id: ack.ConversationID, attempts: (current.payout!.attempts ?? 0) + 1, updated_at: new Date().toISOString() },
      }),
    })
    ctx.log.info('payout.sent', { transaction_id: t.id, amount: payout.amount })
  } catch (error) {
    if (!(error instanceof DarajaCallError)) throw error
    if (error.errorCode === '500.002.1001' && /duplicate/i.test(error.errorMessage)) {
      // Accepted by an earlier attempt (before a crash): its result callback will settle it.
      await ctx.store.transition({
        transactionId: t.id,
        guard: (current) => current.payout?.status === 'pending',
        patch: (current) => ({ payout: { ...current.payout!, conversation_id: current.payout!.conversation_id ?? 'duplicate-accepted', updated_at: new Date().toISOString() } }),
      })
      return
    }
    if (error.kind === 'unreachable' || error.ambiguous) {
      // Sent again by the reconciler (retryUnsentPayouts) once updated_at is old enough.
      ctx.log.warn('payout.retry_later', { transaction_id: t.id, message: error.errorMessage })
      await ctx.store.transition({
        transactionId: t.id,
        guard: (current) => current.payout?.status === 'pending' && !current.payout.conversation_id,
        patch: (current) => ({ payout: { ...current.payout!, updated_at: new Date().toISOString() } }),
      })
      return
    }
    await finalizePayout(ctx, t.id, { status: 'failed', result_code: error.errorCode, result_desc: error.errorMessage })
  }
}

/** The one place a payout reaches a final state, with its event. */
export async function finalizePayout(
  ctx: GatewayContext,
  transactionId: string,
  outcome: { status: 'success' | 'failed'; result_code: string | null; result_desc: string; mpesa_receipt?: string | null },
): Promise<boolean> {
  const result = await ctx.store.transition({
    transactionId,
    guard: (current) => current.payout?.status === 'pending',
    patch: (current) => ({ payout: { ...current.payout!, ...outcome, updated_at: new Date().toISOString() } }),
    events: (updated) => [payoutEvent(updated)],
  })
  if (!result) return false
  ctx.log.info('payout.final', { transaction_id: transactionId, status: outcome.status, result_code: outcome.result_code })
  ctx.bus.publish(result.events)
  return true
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
  if (t.payout.status !== 'pending') return { applied: false }
  const code = String(r.ResultCode)
  if (DUPLICATE_RESULT_CODES.has(code)) {
    // The answer to a re-send (after a crash or a lost ack), not the payout's outcome: the first
    // request's own result settles it.
    ctx.log.info('payout.duplicate_result', { transaction_id: t.id, result_code: code })
    return { applied: false }
  }
  const receipt = resultParameter(r.ResultParameters?.ResultParameter, 'TransactionReceipt') ?? (code === '0' ? r.TransactionID : null)
  const applied = await finalizePayout(ctx, t.id, {
    status: code === '0' ? 'success' : 'failed',
    result_code: code,
    result_desc: r.ResultDesc,
    mpesa_receipt: receipt === null || receipt === undefined ? null : String(receipt),
  })
  return { applied }
}

/** Admin: a Paybill/Till/Bank payout paid by hand. */
export async function settleManualPayout(ctx: GatewayContext, transactionId: string): Promise<TransactionRecord> {
  const t = await ctx.store.getTransaction(transactionId)
  if (!t) throw new DomainError('not_found', 'Transaction not found', 'Check the transaction id.', '')
  if (t.payout?.status === 'settled') return t
  const result = await ctx.store.transition({
    transactionId,
    guard: (current) => current.payout?.status === 'pending_manual',
    patch: (current) => {
      const at = new Date().toISOString()
      return { payout: { ...current.payout!, status: 'settled', settled_at: at, updated_at: at } }
    },
  })
  if (!result) {
    throw new DomainError('conflict', 'Payout is not awaiting manual settlement', 'Only payouts in status pending_manual can be settled.', `payout status: ${t.payout?.status ?? 'none'}`)
  }
  ctx.log.info('payout.settled', { transaction_id: transactionId })
  return result.transaction
}

/**
 * B2Cs that did not reach Daraja (no ConversationID) and have not been tried for `afterMs`: sent
 * again with the same OriginatorConversationID (deduped by Daraja), so a Daraja outage does not
 * leave a payout unsent until the next restart.
 */
export async function retryUnsentPayouts(ctx: GatewayContext, afterMs: number): Promise<void> {
  const cutoff = Date.now() - afterMs
  for (const t of await ctx.store.listPendingPayouts()) {
    if (t.payout && !t.payout.conversation_id && Date.parse(t.payout.updated_at) <= cutoff) await sendB2c(ctx, t)
  }
}

/** After a restart: B2Cs that were never acknowledged are sent again (deduped by Daraja). */
export function resumePayouts(ctx: GatewayContext): Promise<void> {
  return retryUnsentPayouts(ctx, 0)
}
