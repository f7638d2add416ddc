#!/usr/bin/env node
// What one page of a busy endpoint's delivery log (GET /webhooks/:id/deliveries) costs the embedded
// store: a lowdb store in this process holds --deliveries N finished deliveries of one endpoint
// (1 in 2,000 failed, all of those in the oldest tenth: a status that is rare and old) and --others M
// of three other endpoints, stored as the gateway stores them (each with one attempt, kept cold).
// Then, --reads R times each, the store's work for one page of 50 (wall time of the call; the
// event loop is held for all of it but the awaits of records not written yet, none here):
//
// - newest: the first page, no filter;
// - failed: the first page of ?status=failed (the walk meets all but a few of the endpoint's);
// - deep: the page after a cursor halfway down the log (only where the store pages with a cursor).
//
// And the heap after a full GC once the store is filled (what the store's indexes cost per delivery).
// A tree whose store has no paged query (before listEndpointDeliveries) is measured as its route
// paged: every delivery of the endpoint read (listDeliveries), then walked newest first.
//
//   node --expose-gc bench/delivery-log.js [--deliveries N] [--others M] [--reads R] [--root DIR] [--json]
//
// --root: the tree whose built code (DIR/dist) is measured; this one by default.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const argv = process.argv.slice(2)
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const busyCount = Number(option('--deliveries', 200_000))
const otherCount = Number(option('--others', 100_000))
const reads = Number(option('--reads', 15))
const root = resolve(option('--root', new URL('..', import.meta.url).pathname))
if (!globalThis.gc) throw new Error('run with node --expose-gc')

const { LowdbStore } = await import(pathToFileURL(join(root, 'dist/src/store/lowdb-store.js')).href)
const { deliversTo } = await import(pathToFileURL(join(root, 'dist/src/webhooks/subscriptions.js')).href)

const BUSY = 'we_busy'
const at = new Date(Date.now() - 86_400_000).toISOString()
const delivery = (n, endpoint_id, status) => ({
  id: `wd_${n}`,
  event_id: `evt_${n}`,
  endpoint_id,
  account_id: 'acct_1',
  mode: 'test',
  event: 'payment.success',
  status,
  attempts: [{ at, status_code: status === 'failed' ? 500 : 200, duration_ms: 12, error: null, response_body: status === 'failed' ? 'oops' : 'ok' }],
  next_attempt_at: null,
  created_at: at,
  updated_at: at,
})

const dir = mkdtempSync(join(tmpdir(), 'mpg-delivery-log-'))
const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, maxBytes: 8 * 1024 ** 3 })
await store.open()
const heapBefore = (gc(), process.memoryUsage().heapUsed)

// Busy and other endpoints' deliveries interleaved, as they arrive; 500 at a time (one journal write).
const total = busyCount + otherCount
const everyOther = total / Math.max(otherCount, 1)
let busyMade = 0
const busyIds = []
for (let from = 0; from < total; from += 500) {
  const batch = []
  for (let n = from; n < Math.min(total, from + 500); n++) {
    const other = otherCount > 0 && n % everyOther < 1 && n - busyMade <= otherCount
    if (other) {
      batch.push(store.createDelivery(delivery(n, `we_other_${n % 3}`, 'succeeded')))
      continue
    }
    const rareFailed = busyMade < busyCount / 10 && busyMade % 2000 === 0
    batch.push(store.createDelivery(delivery(n, BUSY, rareFailed ? 'failed' : 'succeeded')))
    busyIds.push(`wd_${n}`)
    busyMade++
  }
  await Promise.all(batch)
}
gc()
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1048576

const paged = typeof store.listEndpointDeliveries === 'function'
const page = async (query) => {
  if (paged) return (await store.listEndpointDeliveries({ endpoint_id: BUSY, limit: 50, ...query })).data
  // The route before the store paged: every delivery of the endpoint, walked newest first.
  const all = await store.listDeliveries(BUSY)
  const out = []
  for (let i = all.length - 1; i >= 0 && out.length < 50; i--) if (!query.status || all[i].status === query.status) out.push(all[i])
  return out
}

async function timed(query, expected) {
  const ms = []
  for (let r = 0; r < reads; r++) {
    const start = performance.now()
    const data = await page(query)
    ms.push(performance.now() - start)
    if (data.length !== expected) throw new Error(`a page of ${data.length}, not ${expected}`)
  }
  ms.sort((a, b) => a - b)
  return { median_ms: Math.round(ms[ms.length >> 1] * 1000) / 1000, max_ms: Math.round(ms[ms.length - 1] * 1000) / 1000 }
}

const failedCount = Math.ceil(busyCount / 10 / 2000)
const result = {
  root,
  paged,
  deliveries: busyCount,
  others: otherCount,
  reads,
  loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  heap_mb_after_fill: Math.round(heapMb * 10) / 10,
  heap_bytes_per_delivery: Math.round((heapMb * 1048576) / total),
  newest: await timed({}, 50),
  failed: await timed({ status: 'failed' }, Math.min(50, failedCount)),
  deep: paged ? await timed({ starting_after: busyIds[busyIds.length >> 1] }, 50) : null,
}
await store.close()
rmSync(dir, { recursive: true, force: true })
if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`)
else console.log(result)
