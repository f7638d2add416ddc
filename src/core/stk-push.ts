import { randomUUID } from 'node:crypto'
import { DarajaCallError } from '../daraja/errors.js'
import type { StkPushBody } from '../schemas/gateway.js'
import type { AccountRecord, IdempotencyRecord, Mode, TransactionRecord } from '../store/records.js'
import { stkCallbackUrl } from '../utils/callback-paths.js'
import { newSecretToken } from '../utils/ids.js'
import { splitFee } from '../utils/money.js'
import { isoNow } from './clock.js'
import type { GatewayContext } from './context.js'
import { DomainError } from './errors.js'
import { paymentEvent } from './event-data.js'
import { fingerprint, isExpired, newClaim, replayOf, type Replay } from './idempotency.js'
import { firstStkPushResponseView, stkPushResponseView, type StkPushIds } from './transaction-view.js'

export interface StkPushRequest {
  account: AccountRecord
  mode: Mode
  body: StkPushBody
  idempotencyKey?: string
}

/** A payment created by this request, or the stored answer of an earlier one with the same key. */
export type StkPushOutcome = { replayed: false; response: ReturnType<typeof stkPushResponseView> } | Replay

/**
 * `POST /api/v1/stk-push`: store the payment (and claim its Idempotency-Key) in one write, ask
 * Daraja to prompt the phone, store Daraja's answer (and the key's outcome) in one more, answer 201.
 */
export async function stkPush(ctx: GatewayContext, request: StkPushRequest): Promise<StkPushOutcome> {
  const { account, mode, body } = request
  if (!account.payout_account) {
    throw new DomainError('precondition', 'No payout account', 'Give the account a default payout account (`mpg accounts create --payout-mpesa …`) before taking payments.', `account ${account.id} has no payout account`)
  }
  const base = ctx.publicUrl()
  if (!base) {
    throw new DomainError('misconfigured', 'Server misconfiguration: PUBLIC_SITE_URL not set', 'Set PUBLIC_SITE_URL to the public origin Daraja can reach, then restart the gateway.', 'Daraja callback URLs cannot be built without PUBLIC_SITE_URL')
  }
  const scope = request.idempotencyKey ? `${account.id}:${mode}:${request.idempotencyKey}` : undefined
  const print = scope ? fingerprint(body) : ''

  const fees = splitFee(body.amount, ctx.config.platformFeePercent)
  const transaction: TransactionRecord = {
    id: randomUUID(),
    account_id: account.id,
    mode,
    reference: body.reference,
    description: body.description,
    phone: body.phone,
    amount: body.amount,
    platform_fee: fees.platform_fee,
    net_amount: fees.net_amount,
    status: 'pending',
    merchant_request_id: null,
    checkout_request_id: null,
    customer_message: null,
    mpesa_receipt_number: null,
    result_code: null,
    result_desc: null,
    callback_token: newSecretToken(),
    created_at: isoNow(ctx.clock),
    completed_at: null,
    payout: null,
    daraja_error: null,
  }
  // Stored before Daraja is called: a payment Daraja knows about always exists here.
  const claim = scope ? newClaim(scope, print, transaction.id, transaction.created_at) : undefined
  // The insert is also the key's look-up: a key already used comes back (and nothing is stored),
  // so a push makes no separate read of it (a query fewer per push on PostgreSQL).
  for (let tries = 0; ; tries++) {
    const { existing } = await ctx.store.insertTransaction(transaction, { idempotency: claim })
    if (!existing) break
    // Past its life, the key may be used again: released, then claimed for this request.
    if (tries > 0 || !isExpired(existing, ctx.config.idempotencyKeyTtlMs, ctx.clock.now())) return replay(ctx, existing, print)
    await ctx.store.deleteIdempotency(existing.scope)
  }

  const push = ctx.daraja.stkPush({
    phone: body.phone,
    amount: body.amount,
    reference: body.reference,
    description: body.description,
    callbackUrl: stkCallbackUrl(base, transaction.callback_token),
  })
  ctx.pushesInFlight.set(transaction.id, push.catch(() => undefined))
  try {
    const answer = await push
    const ids: StkPushIds = {
      merchant_request_id: answer.MerchantRequestID,
      checkout_request_id: answer.CheckoutRequestID,
      customer_message: answer.CustomerMessage,
    }
    // One write for both: Daraja's answer on the transaction, and the key's replayable outcome. The
    // outcome names the answer (a 201, response null) instead of copying it: a replay rebuilds it
    // from the payment written in the same append (firstStkPushResponseView). The copy was 440 of
    // a push's 1,838 journal bytes, and folds rewrite the snapshot in proportion to those.
    const [result] = await Promise.all([
      ctx.store.transition({
        transactionId: transaction.id,
        guard: (t) => t.checkout_request_id === null || t.checkout_request_id === answer.CheckoutRequestID,
        patch: () => ids,
      }),
      claim ? ctx.store.saveIdempotency({ ...claim, state: 'done', status_code: 201, response: null }) : undefined,
    ])
    ctx.log.info('stk.pushed', { transaction_id: transaction.id, checkout_request_id: answer.CheckoutRequestID, amount: body.amount })
    // A callback may already have settled it: answer with the state as stored (the inserted record
    // with Daraja's ids, should the transition have found nothing to change).
    return { replayed: false, response: result ? stkPushResponseView(result.transaction) : stkPushResponseView(transaction, ids) }
  } catch (error) {
    if (error instanceof DarajaCallError && error.ambiguous) {
      // Daraja may have taken the push (it timed out, it did not refuse): the customer may be
      // looking at a prompt. The key stays bound to this pending payment, so a retry with it
      // returns this transaction (seed: "instead of creating a duplicate") rather than a second
      // prompt that could be paid too.
      if (claim) await ctx.store.saveIdempotency({ ...claim, state: 'done', status_code: 201, response: stkPushResponseView(transaction) })
      await markRefused(ctx, transaction.id, error)
      throw new DomainError(
        'upstream',
        'Daraja STK Push failed',
        `Daraja did not answer in time; the prompt may still reach the phone. Poll /api/v1/transactions/${transaction.id} (a retry with the same Idempotency-Key returns that transaction).`,
        `${error.errorMessage}; transaction ${transaction.id} stays pending until Daraja's callback settles it`,
      )
    }
    // Anything else that is not Daraja's own refusal (a failed write of its answer, a bug) may
    // come after Daraja took the push: the key stays claimed by this pending payment, and a
    // retry (or the start-up after a crash) replays it rather than prompting the phone twice.
    if (!(error instanceof DarajaCallError)) throw error
    // Daraja refused (or provably never got) the push: a 5xx answer does not consume the key. The
    // refusal is stored first: a crash or a failed write between the two leaves the key in flight
    // on a payment failed with Daraja's refusal, which start-up recovery releases
    // (settleInterruptedRequests), never a released key on a payment still pending.
    await markRefused(ctx, transaction.id, error)
    if (scope) await ctx.store.deleteIdempotency(scope)
    const code = error.errorCode ? `${error.errorCode}: ` : ''
    throw new DomainError(
      'upstream',
      'Daraja STK Push failed',
      error.kind === 'unreachable'
        ? 'Daraja could not be reached; retry with the same Idempotency-Key in a moment.'
        : 'Check the Daraja credentials and shortcode, or retry later if Daraja is failing.',
      `${code}${error.errorMessage}`,
    )
  } finally {
    ctx.pushesInFlight.delete(transaction.id)
  }
}

/**
 * The first answer of a key already used (or its 409/422). A 201 kept by reference (response null,
 * see IdempotencyRecord) is rebuilt from its payment; a key recorded with its answer (after a
 * Daraja timeout, at start-up recovery, or by an earlier version) gives that answer.
 */
async function replay(ctx: GatewayContext, existing: IdempotencyRecord, print: string): Promise<Replay> {
  const first = replayOf(existing, print)
  if (first.statusCode !== 201 || first.response !== null || existing.transaction_id === null) return first
  const payment = await ctx.store.getTransaction(existing.transaction_id)
  return payment ? { ...first, response: firstStkPushResponseView(payment) } : first
}

/** Daraja refused the push: the attempt stays visible as a failed transaction. */
async function markRefused(ctx: GatewayContext, transactionId: string, error: DarajaCallError): Promise<void> {
  if (error.ambiguous) {
    // Daraja may have accepted it: stay pending; a callback or the reconciler settles it.
    ctx.log.warn('stk.unconfirmed', { transaction_id: transactionId, message: error.errorMessage })
    return
  }
  const result = await ctx.store.transition({
    transactionId,
    guard: (t) => t.status === 'pending' && t.checkout_request_id === null,
    patch: () => ({
      status: 'failed',
      result_code: error.errorCode,
      result_desc: error.errorMessage,
      completed_at: isoNow(ctx.clock),
      daraja_error: { status: error.status, code: error.errorCode, message: error.errorMessage },
    }),
    events: (t) => [paymentEvent(t)],
  })
  ctx.log.warn('stk.refused', { transaction_id: transactionId, code: error.errorCode, message: error.errorMessage })
  if (result) ctx.bus.publish(result.events)
}
