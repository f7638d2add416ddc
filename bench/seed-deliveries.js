// Seeds a stopped gateway's data dir with N payments that have just succeeded, each with its
// payment.success event and a pending delivery due now to the data dir's webhook endpoint(s), so
// that the next `mpg serve` on that dir starts with N due deliveries and nothing else to do: the
// delivery worker measured alone. Uses the real LowdbStore (dist/), through store.transition, the
// same call that stores a payment's final state with its events and deliveries.
// argv[2]: data dir, argv[3]: N. Prints {"seeded": N, "pending": M}.
import { join } from 'node:path'
import { LowdbStore } from '../dist/src/store/lowdb-store.js'
import { deliversTo } from '../dist/src/webhooks/subscriptions.js'
import { storeSucceededPayment } from './lib/payments.js'

const [dataDir, count] = [process.argv[2], Number(process.argv[3])]
const store = new LowdbStore(join(dataDir, 'gateway.json'), { deliverTo: deliversTo })
await store.open()
const [account] = await store.listAccounts()
if (!account) throw new Error(`no account in ${dataDir}`)

for (let n = 1; n <= count; n++) {
  await storeSucceededPayment(store, account.id, n)
}
const pending = (await store.listPendingDeliveries()).length
await store.close()
process.stdout.write(`${JSON.stringify({ seeded: count, pending })}\n`)
