// Seeds a stopped gateway's data dir with N payments that have just succeeded, each with its
// payment.success event and a pending delivery due now to the data dir's webhook endpoint(s), so
// that the next `mpg serve` on that dir starts with N due deliveries and nothing else to do: the
// delivery worker measured alone. Uses the real LowdbStore (dist/), through store.transition, the
// same call that stores a payment's final state with its events and deliveries.
// argv[2]: data dir, argv[3]: N. Prints {"seeded": N, "pending": M}.
import { join } from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import { LowdbStore } from '../dist/src/store/lowdb-store.js'
import { deliversTo } from '../dist/src/webhooks/subscriptions.js'
import { paymentEvent } from '../dist/src/core/event-data.js'

const [dataDir, count] = [process.argv[2], Number(process.argv[3])]
const store = new LowdbStore(join(dataDir, 'gateway.json'), { deliverTo: deliversTo })
await store.open()
const [account] = await store.listAccounts()
if (!account) throw new Error(`no account in ${dataDir}`)

for (let n = 1; n <= count; n++) {
  const now = new Date().toISOString()
  const id = randomUUID()
  await store.insertTransaction({
    id,
    account_id: account.id,
    mode: 'test',
    reference: `WORKER-${n}`,
    description: 'T-shirt',
    phone: '254708374149',
    amount: 100,
    platform_fee: 1.5,
    net_amount: 98.5,
    status: 'pending',
    merchant_request_id: `29115-34620561-${n}`,
    checkout_request_id: `ws_CO_bench_${n}`,
    customer_message: 'Success. Request accepted for processing',
    mpesa_receipt_number: null,
    result_code: null,
    result_desc: null,
    callback_token: randomBytes(24).toString('base64url'),
    created_at: now,
    completed_at: null,
    payout: null,
    daraja_error: null,
  })
  await store.transition({
    transactionId: id,
    guard: (t) => t.status === 'pending',
    patch: () => ({ status: 'success', mpesa_receipt_number: 'UA1AB3CD4E', result_code: '0', result_desc: 'The service request is processed successfully.', completed_at: now }),
    events: (t) => [paymentEvent(t)],
  })
}
const pending = (await store.listPendingDeliveries()).length
await store.close()
process.stdout.write(`${JSON.stringify({ seeded: count, pending })}\n`)
