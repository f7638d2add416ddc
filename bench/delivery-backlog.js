#!/usr/bin/env node
// What an endpoint's backlog costs the embedded store as it drains: a lowdb store in this process
// holds --deliveries N pending deliveries of one endpoint (a receiver that was down), then each is
// marked succeeded, oldest first, as the delivery worker finishes them (500 changes a journal
// write). Prints the wall time per status change: the store's bookkeeping of the change and its
// share of the journal writes. Its growth with N is what this is for: each change must find the
// delivery on its endpoint's delivery log, and a search from the newest end makes a backlog of N
// cost N² (at 100k, half a second of the event loop a change).
//
//   node bench/delivery-backlog.js [--deliveries N] [--root DIR] [--json]
//
// --root: the tree whose built code (DIR/dist) is measured; this one by default.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const argv = process.argv.slice(2)
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const count = Number(option('--deliveries', 20_000))
const root = resolve(option('--root', new URL('..', import.meta.url).pathname))

const { LowdbStore } = await import(pathToFileURL(join(root, 'dist/src/store/lowdb-store.js')).href)
const { deliversTo } = await import(pathToFileURL(join(root, 'dist/src/webhooks/subscriptions.js')).href)

const at = new Date().toISOString()
const pending = (n) => ({
  id: `wd_${n}`,
  event_id: `evt_${n}`,
  endpoint_id: 'we_backlog',
  account_id: 'acct_1',
  mode: 'test',
  event: 'payment.success',
  status: 'pending',
  attempts: [],
  next_attempt_at: at,
  created_at: at,
  updated_at: at,
})
const succeeded = (d) => ({ ...d, status: 'succeeded', next_attempt_at: null, attempts: [{ at, status_code: 200, duration_ms: 3, error: null, response_body: 'ok' }] })

const dir = mkdtempSync(join(tmpdir(), 'mpg-delivery-backlog-'))
const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, maxBytes: 8 * 1024 ** 3 })
await store.open()
for (let from = 0; from < count; from += 500) {
  const batch = []
  for (let n = from; n < Math.min(count, from + 500); n++) batch.push(store.createDelivery(pending(n)))
  await Promise.all(batch)
}

const start = performance.now()
for (let from = 0; from < count; from += 500) {
  const batch = []
  for (let n = from; n < Math.min(count, from + 500); n++) batch.push(store.updateDelivery(`wd_${n}`, succeeded))
  await Promise.all(batch)
}
const ms = performance.now() - start
const left = (await store.listPendingDeliveries()).length
await store.close()
rmSync(dir, { recursive: true, force: true })
if (left !== 0) throw new Error(`${left} deliveries still pending`)

const result = {
  root,
  deliveries: count,
  loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  drain_ms: Math.round(ms),
  us_per_status_change: Math.round((ms * 1000) / count),
}
if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`)
else console.log(result)
