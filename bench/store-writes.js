// Store write cost at a size, in a fresh process:
//
//   node bench/store-writes.js SIZE WRITES
//     lowdb: seeds <tmp>/gateway.json with SIZE transactions, opens the real LowdbStore from dist/,
//     then times WRITES acknowledged inserts one after another (each resolves only once on disk)
//     while a 5 ms timer records the event loop's longest stall (lib/stalls.js).
//     Prints {"size", "bytes", "write_ms": [..], "median_ms", "max_ms", "max_stall_ms"}.
//
//   node bench/store-writes.js --postgres SERVER_URL SIZE[,SIZE…] ROUNDS
//     PostgreSQL: one fresh database per SIZE on the server, each opened with the real PgStore
//     (migrated on open) and grown through insertTransaction to SIZE (200 inserts in flight). Then
//     ROUNDS rounds of one timed acknowledged insert (resolved once committed) into each database
//     in turn: the sizes are measured at the same moments, so the process's warm-up, the host's
//     speed drifting through the run and whatever the server does meanwhile (writing out what the
//     fills left, autovacuum, a checkpoint) fall on every size alike, and a ratio of two sizes is
//     the table's size alone. Times at µs resolution. Prints one line per size, as above, with
//     "bytes" that database's size.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { deliversTo } from '../dist/src/webhooks/subscriptions.js'
import { transactionRecord } from './lib/payments.js'
import { median } from './lib/procs.js'
import { stallMeter } from './lib/stalls.js'

let seq = 0
// Created one second apart from 2026-01-01, so that the list order is that of insertion.
const transaction = (status = 'success', accountId = 'acct_bench') => {
  const n = ++seq
  return transactionRecord({ accountId, n, status, createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString() })
}

const account = { id: 'acct_bench', name: 'bench', payout_account: { type: 'mpesa', phone: '254708374149' }, created_at: new Date().toISOString() }
const round1 = (v) => Math.round(v * 10) / 10
const round3 = (v) => Math.round(v * 1000) / 1000

/** WRITES acknowledged inserts one after another, with the loop's stalls meanwhile. */
async function timeWrites(store, writes, accountId) {
  // One untimed write so the first timed one does not pay for warm-up.
  await store.insertTransaction(transaction('pending', accountId))
  const stalls = stallMeter(5)
  const times = []
  for (let i = 0; i < writes; i++) {
    const started = performance.now()
    await store.insertTransaction(transaction('pending', accountId))
    times.push(performance.now() - started)
    // Let timers run between writes so a stall is attributed to the write that caused it.
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const { max_ms } = stalls.read()
  stalls.stop()
  return { write_ms: times.map(round1), median_ms: round1(median(times)), max_ms: round1(Math.max(...times)), max_stall_ms: max_ms }
}

if (process.argv[2] === '--postgres') {
  const { PgStore } = await import('../dist/src/store/postgres/pg-store.js')
  const { dropDatabase, freshDatabase } = await import('./lib/postgres.js')
  const [serverUrl, sizesArg, roundsArg] = process.argv.slice(3)
  const sizes = sizesArg.split(',').map(Number)
  const rounds = Number(roundsArg)
  const stores = []
  for (const size of sizes) {
    const store = new PgStore(await freshDatabase(serverUrl, `mpg_bench_store_writes_${size}`), { deliverTo: deliversTo })
    await store.open()
    await store.createAccount(account)
    for (let stored = 0; stored < size; ) {
      const batch = []
      for (let k = 0; k < 200 && stored < size; k++, stored++) batch.push(store.insertTransaction(transaction('success')))
      await Promise.all(batch)
    }
    stores.push(store)
  }
  // One untimed write each so the first timed one does not pay for a new connection.
  for (const store of stores) await store.insertTransaction(transaction('pending'))
  const times = sizes.map(() => [])
  const stallMax = sizes.map(() => 0)
  const stalls = stallMeter(5)
  for (let round = 0; round < rounds; round++) {
    // Each round starts at the next size, so that no size always follows the same one.
    for (let k = 0; k < stores.length; k++) {
      const i = (round + k) % stores.length
      const store = stores[i]
      stalls.read()
      const started = performance.now()
      await store.insertTransaction(transaction('pending'))
      times[i].push(performance.now() - started)
      // Let timers run between writes so a stall is attributed to the write that caused it.
      await new Promise((resolve) => setTimeout(resolve, 10))
      stallMax[i] = Math.max(stallMax[i], stalls.read().max_ms)
    }
  }
  stalls.stop()
  for (const [i, store] of stores.entries()) {
    const { rows } = await store.pool.query('select pg_database_size(current_database()) as bytes')
    const t = times[i]
    process.stdout.write(`${JSON.stringify({ size: sizes[i], bytes: Number(rows[0].bytes), write_ms: t.map(round3), median_ms: round3(median(t)), max_ms: round3(Math.max(...t)), max_stall_ms: stallMax[i] })}\n`)
    await store.close()
    await dropDatabase(serverUrl, `mpg_bench_store_writes_${sizes[i]}`)
  }
} else {
  const { LowdbStore } = await import('../dist/src/store/lowdb-store.js')
  const size = Number(process.argv[2])
  const writes = Number(process.argv[3] ?? 10)
  const dir = mkdtempSync(join(tmpdir(), 'mpg-bench-store-'))
  const file = join(dir, 'gateway.json')
  const transactions = Array.from({ length: size }, () => transaction())
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      meta: {},
      next_event_seq: 1,
      accounts: [account],
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
  const result = await timeWrites(store, writes, account.id)
  const bytes = store.sizeBytes()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  process.stdout.write(`${JSON.stringify({ size, bytes, ...result })}\n`)
}
