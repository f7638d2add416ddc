// The embedded store at scale, one step per process (bench/run.js runs them):
//
//   node bench/store-figures.js seed DIR N [--journal-only]
//     Stores N payments into DIR's gateway.json through the real LowdbStore (dist/), as the
//     gateway does: each an insertTransaction (pending) and a transition to success carrying its
//     payment.success event (and a delivery per webhook endpoint DIR has), 1,000 payments in
//     flight at a time. DIR must hold a store `mpg serve` created (its account is used).
//     --journal-only: the store never folds while seeding (everything stays in gateway.journal,
//     no snapshot), so that the next write that finds the journal due folds all N at once.
//     Prints {"seeded", "seconds", "snapshot_bytes", "journal_bytes"}.
//
//   node bench/store-figures.js fold DIR
//     Opens DIR's store (default options), then writes one payment every 10 ms until a fold has
//     rewritten gateway.json and the journal is small again (or 120 s), while a 1 ms timer records
//     the event loop's longest stall (lib/stalls.js). The open itself is not in the
//     window. Prints {"fold_seen", "fold_ms", "max_stall_ms", "writes", "transactions"}.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { LowdbStore } from '../dist/src/store/lowdb-store.js'
import { deliversTo } from '../dist/src/webhooks/subscriptions.js'
import { storeSucceededPayment } from './lib/payments.js'
import { stallMeter } from './lib/stalls.js'

const [mode, dir, n] = process.argv.slice(2)
const file = join(dir, 'gateway.json')
const journal = join(dir, 'gateway.journal')
const size = (f) => (existsSync(f) ? statSync(f).size : 0)

if (mode === 'seed') {
  const count = Number(n)
  const journalOnly = process.argv.includes('--journal-only')
  const started = performance.now()
  const store = new LowdbStore(file, { deliverTo: deliversTo, ...(journalOnly ? { foldMinBytes: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER } : {}) })
  await store.open()
  const [account] = await store.listAccounts()
  if (!account) throw new Error(`no account in ${dir}: start mpg serve on it once first`)
  for (let from = 0; from < count; from += 1000) {
    const batch = []
    for (let i = from; i < Math.min(count, from + 1000); i++) batch.push(storeSucceededPayment(store, account.id, i))
    await Promise.all(batch)
  }
  await store.close()
  process.stdout.write(`${JSON.stringify({ seeded: count, seconds: Math.round((performance.now() - started) / 100) / 10, snapshot_bytes: size(file), journal_bytes: size(journal) })}\n`)
} else if (mode === 'fold') {
  const store = new LowdbStore(file, { deliverTo: deliversTo })
  await store.open()
  const [account] = await store.listAccounts()
  const snapshotBefore = existsSync(file) ? statSync(file).mtimeMs : 0
  const stalls = stallMeter(1)
  const started = performance.now()
  let writes = 0
  let foldSeen = false
  let foldMs = null
  while (performance.now() - started < 120_000) {
    await storeSucceededPayment(store, account.id, `fold-${writes++}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
    const rewritten = existsSync(file) && statSync(file).mtimeMs !== snapshotBefore
    if (rewritten && size(journal) < size(file) / 10) {
      foldSeen = true
      foldMs = Math.round(performance.now() - started)
      // A few more writes: a fold that finishes in steps after the snapshot appears is still a fold.
      for (let k = 0; k < 20; k++) {
        await storeSucceededPayment(store, account.id, `after-${k}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      break
    }
  }
  const { max_ms: maxStall } = stalls.read()
  stalls.stop()
  await store.close()
  process.stdout.write(`${JSON.stringify({ fold_seen: foldSeen, fold_ms: foldMs, max_stall_ms: maxStall, writes, snapshot_bytes: size(file) })}\n`)
} else {
  process.stderr.write('usage: node bench/store-figures.js seed DIR N [--journal-only] | fold DIR\n')
  process.exit(2)
}
