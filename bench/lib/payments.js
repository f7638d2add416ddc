// Payments as the gateway stores them, for the scripts that seed a store through its real API.
import { randomBytes, randomUUID } from 'node:crypto'
import { paymentEvent } from '../../dist/src/core/event-data.js'

/** A transaction record: `pending` as just pushed, or `success` with Daraja's result. */
export function transactionRecord({ accountId, n, status = 'pending', createdAt = new Date().toISOString() }) {
  const success = status === 'success'
  return {
    id: randomUUID(),
    account_id: accountId,
    mode: 'test',
    reference: `ORDER-${n}`,
    description: 'T-shirt',
    phone: '254708374149',
    amount: 100,
    platform_fee: 1.5,
    net_amount: 98.5,
    status,
    merchant_request_id: `29115-34620561-${n}`,
    checkout_request_id: `ws_CO_bench_${n}`,
    customer_message: 'Success. Request accepted for processing',
    mpesa_receipt_number: success ? 'UA1AB3CD4E' : null,
    result_code: success ? '0' : null,
    result_desc: success ? 'The service request is processed successfully.' : null,
    callback_token: randomBytes(24).toString('base64url'),
    created_at: createdAt,
    completed_at: success ? createdAt : null,
    payout: null,
    daraja_error: null,
  }
}

/**
 * A payment that has just succeeded, stored as the gateway stores one: the pending transaction,
 * then the transition to success carrying its payment.success event (and a delivery to each
 * webhook endpoint of the store that takes it).
 */
export async function storeSucceededPayment(store, accountId, n) {
  const t = transactionRecord({ accountId, n })
  await store.insertTransaction(t)
  await store.transition({
    transactionId: t.id,
    guard: (x) => x.status === 'pending',
    patch: () => ({ status: 'success', mpesa_receipt_number: 'UA1AB3CD4E', result_code: '0', result_desc: 'The service request is processed successfully.', completed_at: new Date().toISOString() }),
    events: (x) => [paymentEvent(x)],
  })
  return t.id
}
