import { randomBytes, randomUUID } from 'node:crypto'

/**
 * A payment as the push path stores it before Daraja is called: its 21 fields, pending, with a
 * fresh callback token.
 */
export function pendingPayment(id, createdAt = new Date().toISOString()) {
  return {
    id, account_id: 'acct_1', mode: 'test', reference: 'ORDER-1234', description: 'T-shirt', phone: '254708374149', amount: 100, platform_fee: 1.5,
    net_amount: 98.5, status: 'pending', merchant_request_id: null, checkout_request_id: null, customer_message: null, mpesa_receipt_number: null, result_code: null,
    result_desc: null, callback_token: randomBytes(24).toString('base64url'), created_at: createdAt, completed_at: null, payout: null, daraja_error: null,
  }
}

/**
 * STK pushes written into a store as the gateway's push path writes them: the Idempotency-Key read,
 * the payment with its key claimed, then Daraja's ids and the key's outcome in one flush. The
 * payments stay pending, as when Daraja's callbacks are held back. One writer for every in-process
 * measurement of that path (scripts/store-measure.mjs --pushes, bench/fold-pending.js), so they
 * measure the same writes. `stkPushResponseView` comes from the measured tree's dist/.
 */
export function pushWriter(store, stkPushResponseView) {
  const writer = {
    /** Pushes written so far (all pending). */
    count: 0,
    async push() {
      const i = ++writer.count
      const scope = `acct_1:test:push-${i}`
      await store.getIdempotency(scope)
      const createdAt = new Date().toISOString()
      const t = pendingPayment(randomUUID(), createdAt)
      const claim = { scope, fingerprint: 'f'.repeat(64), state: 'in_flight', status_code: null, response: null, transaction_id: t.id, created_at: createdAt }
      await store.insertTransaction(t, { idempotency: claim })
      const ids = { merchant_request_id: `29115-${i}-1`, checkout_request_id: `ws_CO_${Date.now()}${i}`, customer_message: 'Success. Request accepted for processing' }
      await Promise.all([
        store.transition({ transactionId: t.id, guard: (x) => x.checkout_request_id === null, patch: () => ids }),
        store.saveIdempotency({ ...claim, state: 'done', status_code: 201, response: stkPushResponseView({ ...t, ...ids }) }),
      ])
    },
    /** `count` more pushes, `inFlight` at a time (few: small group commits, as at half rate; many: large ones). */
    async run(count, inFlight) {
      let left = count
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (left-- > 0) await writer.push()
      }))
    },
  }
  return writer
}
