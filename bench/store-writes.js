// Store write cost at one size, in a fresh process (argv[2] = transactions already stored,
// argv[3] = writes to time). Seeds <tmp>/gateway.json with N transactions, opens the real
// LowdbStore from dist/, then times `writes` acknowledged inserts one after another (each resolves
// only once on disk) while monitorEventLoopDelay records the longest stall.
// Prints {"size", "bytes", "write_ms": [..], "median_ms", "max_stall_ms"}.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { randomUUID, randomBytes } from 'node:crypto'
import { LowdbStore } from '../dist/src/store/lowdb-store.js'
import { deliversTo } from '../dist/src/webhooks/subscriptions.js'

const size = Number(process.argv[2])
const writes = Number(process.argv[3] ?? 10)
const dir = mkdtempSync(join(tmpdir(), 'mpg-bench-store-'))
const file = join(dir, 'gateway.json')

let seq = 0
function transaction(status = 'success') {
  const n = ++seq
  const created = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString()
  return {
    id: randomUUID(),
    account_id: 'acct_bench',
    mode: 'test',
    reference: `ORDER-${n}`,
    description: 'T-shirt',
    phone: '254708374149',
    amount: 100,
    platform_fee: 1.5,
    net_amount: 98.5,
    status,
    merchant_request_id: `29115-34620561-${n}`,
    checkout_request_id: `ws_CO_270420261234${n}708374149`,
    customer_message: 'Success. Request accepted for processing',
    mpesa_receipt_number: status === 'success' ? 'UA1AB3CD4E' : null,
    result_code: status === 'success' ? '0' : null,
    result_desc: status === 'success' ? 'The service request is processed successfully.' : null,
    callback_token: randomBytes(24).toString('base64url'),
    created_at: created,
    completed_at: status === 'success' ? created : null,
    payout: null,
    daraja_error: null,
  }
}

const transactions = Array.from({ length: size }, () => transaction())
writeFileSync(
  file,
  JSON.stringify({
    version: 1,
    meta: {},
    next_event_seq: 1,
    accounts: [{ id: 'acct_bench', name: 'bench', payout_account: { type: 'mpesa', phone: '254708374149' }, created_at: new Date().toISOString() }],
    api_keys: [],
    transactions,
    idempotency: [],
    events: [],
    webhook_endpoints: [],
    deliveries: [],
  }),
)
transactions.length = 0

const store = new LowdbStore(file, { deliverTo: deliversTo })
await store.open()
// One untimed write so the first timed one does not pay for warm-up.
await store.insertTransaction(transaction('pending'))

const stalls = monitorEventLoopDelay({ resolution: 5 })
stalls.enable()
const times = []
for (let i = 0; i < writes; i++) {
  const started = performance.now()
  await store.insertTransaction(transaction('pending'))
  times.push(performance.now() - started)
  // Let timers run between writes so a stall is attributed to the write that caused it.
  await new Promise((resolve) => setTimeout(resolve, 10))
}
stalls.disable()
const bytes = store.sizeBytes()
await store.close()
rmSync(dir, { recursive: true, force: true })

const sorted = [...times].sort((a, b) => a - b)
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
process.stdout.write(
  `${JSON.stringify({ size, bytes, write_ms: times.map((t) => Math.round(t * 10) / 10), median_ms: Math.round(median * 10) / 10, max_stall_ms: Math.round((stalls.max / 1e6) * 10) / 10 })}\n`,
)
