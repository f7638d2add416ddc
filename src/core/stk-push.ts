import { randomUUID } from 'node:crypto'
import { DarajaCallError } from '../daraja/errors.js'
import { ApiError } from '../gateway/errors.js'
import type { StkPushBody } from '../schemas/gateway.js'
import type { AccountRecord, Mode, TransactionRecord } from '../store/records.js'
import { newSecretToken } from '../utils/ids.js'
import { splitFee } from '../utils/money.js'
import type { GatewayContext } from './context.js'
import { paymentEvent } from './event-data.js'
import { fingerprint, runIdempotent, type ApiResult } from './idempotency.js'
import { stkPushResponseView } from './transaction-view.js'

export interface StkPushRequest {
  account: AccountRecord
  mode: Mode
  body: StkPushBody
  idempotencyKey?: string
}

export function stkCallbackUrl(base: string, token: string): string {
  return `${base}/api/v1/callbacks/daraja/stk/${token}`
}

/** `POST /api/v1/stk-push`: store the payment, ask Daraja to prompt the phone, answer 201. */
export async function stkPush(ctx: GatewayContext, request: StkPushRequest): Promise<ApiResult> {
  if (!request.account.payout_account) {
    throw new ApiError(400, 'No payout account', 'Give the account a default payout account (`mpg accounts create --payout-mpesa …`) before taking payments.', `account ${request.account.id} has no payout account`)
  }
  const base = ctx.publicUrl()
  if (!base) {
    throw new ApiError(500, 'Server misconfiguration: PUBLIC_SITE_URL not set', 'Set PUBLIC_SITE_URL to the public origin Daraja can reach, then restart the gateway.', 'Daraja callback URLs cannot be built without PUBLIC_SITE_URL')
  }
  if (!request.idempotencyKey) return createAndPush(ctx, request, base, async () => undefined)
  return runIdempotent({
    store: ctx.store,
    scope: `${request.account.id}:${request.mode}:${request.idempotencyKey}`,
    fingerprint: fingerprint(request.body),
    run: (link) => createAndPush(ctx, request, base, link),
  })
}

async function createAndPush(
  ctx: GatewayContext,
  { account, mode, body }: StkPushRequest,
  base: string,
  link: (transactionId: string) => Promise<void>,
): Promise<ApiResult> {
  const now = new Date().toISOString()
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
    created_at: now,
    completed_at: null,
    payout: null,
    daraja_error: null,
  }
  // Stored before Daraja is called: a payment Daraja knows about always exists here.
  await ctx.store.insertTransaction(transaction)
  await link(transaction.id)

  const push = ctx.daraja.stkPush({
    phone: body.phone,
    amount: body.amount,
    reference: body.reference,
    description: body.description,
    callbackUrl: stkCallbackUrl(base, transaction.callback_token),
  })
  ctx.pushesInFlight.set(transaction.callback_token, push.catch(() => undefined))
  try {
    const answer = await push
    const result = await ctx.store.transition({
      transactionId: transaction.id,
      guard: (t) => t.checkout_request_id === null || t.checkout_request_id === answer.CheckoutRequestID,
      patch: () => ({
        merchant_request_id: answer.MerchantRequestID,
        checkout_request_id: answer.CheckoutRequestID,
        customer_message: answer.CustomerMessage,
      }),
    })
    const stored = result?.transaction ?? (await ctx.store.getTransaction(transaction.id)) ?? transaction
    ctx.log.info('stk.pushed', { transaction_id: transaction.id, checkout_request_id: answer.CheckoutRequestID, amount: body.amount })
    return { status: 201, body: stkPushResponseView(stored) }
  } catch (error) {
    if (!(error instanceof DarajaCallError)) throw error
    await markRefused(ctx, transaction.id, error)
    const code = error.errorCode ? `${error.errorCode}: ` : ''
    throw new ApiError(
      502,
      'Daraja STK Push failed',
      error.kind === 'unreachable'
        ? 'Daraja did not answer; retry with the same Idempotency-Key in a moment.'
        : 'Check the Daraja credentials and shortcode, or retry later if Daraja is failing.',
      `${code}${error.errorMessage}`,
    )
  } finally {
    ctx.pushesInFlight.delete(transaction.callback_token)
  }
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
      completed_at: new Date().toISOString(),
      daraja_error: { status: error.status, code: error.errorCode, message: error.errorMessage },
    }),
    events: (t) => [paymentEvent(t)],
  })
  ctx.log.warn('stk.refused', { transaction_id: transactionId, code: error.errorCode, message: error.errorMessage })
  if (result) ctx.bus.publish(result.events)
}
