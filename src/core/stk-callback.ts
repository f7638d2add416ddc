import { callbackItem, type StkCallback } from '../schemas/daraja.js'
import type { TransactionRecord } from '../store/records.js'
import type { GatewayContext } from './context.js'
import { DomainError } from './errors.js'
import { finalizePayment } from './finalize-payment.js'
import { recordLateSuccess } from './late-success.js'

/** What Daraja gets back; it does not read it, but integrators conventionally answer this. */
export const CALLBACK_ACK = { ResultCode: 0, ResultDesc: 'Accepted' }

/**
 * Applies Daraja's STK callback to the transaction its URL token names. Duplicates and
 * callbacks for already-final transactions are acknowledged and ignored, except a success after a
 * failure, which is recorded for the operator (late-success.ts).
 */
export async function applyStkCallback(ctx: GatewayContext, token: string, payload: StkCallback): Promise<{ applied: boolean }> {
  const cb = payload.Body.stkCallback
  let transaction = await ctx.store.findTransactionByCallbackToken(token)
  if (!transaction) throw new DomainError('not_found', 'Unknown callback', 'This callback URL does not belong to any transaction.', '')

  if (transaction.checkout_request_id === null) {
    // The callback overtook Daraja's answer to our push: wait for that answer to be stored.
    await ctx.pushesInFlight.get(transaction.id)
    transaction = (await ctx.store.getTransaction(transaction.id)) ?? transaction
  }
  if (transaction.checkout_request_id !== null && transaction.checkout_request_id !== cb.CheckoutRequestID) {
    ctx.log.warn('callback.mismatch', { transaction_id: transaction.id, reason: 'CheckoutRequestID does not match' })
    throw new DomainError('invalid', 'Callback does not match the transaction', 'The CheckoutRequestID differs from the one Daraja returned for this transaction.', '')
  }
  const resultCode = String(cb.ResultCode)
  if (transaction.status !== 'pending') {
    if (transaction.status === 'failed' && resultCode === '0') {
      const success = readSuccess(ctx, transaction, cb)
      return { applied: await recordLateSuccess(ctx, transaction, { ...success, resultDesc: cb.ResultDesc }) }
    }
    ctx.log.info('callback.duplicate', { transaction_id: transaction.id, status: transaction.status })
    return { applied: false }
  }

  const paid = resultCode === '0'
  const patch: Partial<TransactionRecord> & { status: 'success' | 'failed' } = {
    status: paid ? 'success' : 'failed',
    checkout_request_id: transaction.checkout_request_id ?? cb.CheckoutRequestID,
    merchant_request_id: transaction.merchant_request_id ?? cb.MerchantRequestID,
    result_code: resultCode,
    result_desc: cb.ResultDesc,
  }
  if (paid) patch.mpesa_receipt_number = readSuccess(ctx, transaction, cb).receipt
  const finalized = await finalizePayment(ctx, transaction.id, patch, 'callback', 'pending', transaction)
  return { applied: finalized }
}

/** The receipt and amount of a success callback; an amount that differs or a missing receipt is refused. */
function readSuccess(ctx: GatewayContext, transaction: TransactionRecord, cb: StkCallback['Body']['stkCallback']): { receipt: string; amount: number } {
  const items = cb.CallbackMetadata?.Item
  const amount = Number(callbackItem(items, 'Amount'))
  const receipt = callbackItem(items, 'MpesaReceiptNumber')
  if (!Number.isFinite(amount) || Math.round(amount * 100) !== Math.round(transaction.amount * 100)) {
    ctx.log.error('callback.amount_mismatch', { transaction_id: transaction.id, expected: transaction.amount, received: Number.isFinite(amount) ? amount : null })
    throw new DomainError('invalid', 'Callback amount does not match the transaction', 'The paid amount differs from the requested amount; the transaction was left as it was, for review.', '')
  }
  if (typeof receipt !== 'string' || !/^[A-Z0-9]{10}$/.test(receipt)) {
    throw new DomainError('invalid', 'Callback has no valid MpesaReceiptNumber', 'A success callback must carry a 10-character receipt.', '')
  }
  return { receipt, amount }
}
