#!/usr/bin/env node
// The event loop's longest holds while the embedded store fills with pending payments, of one
// build: `node bench/map-stall.js [--pushes N] [--in-flight K] ROOT`.
//
// N pushes (default 140,000) written as the push path writes them (bench/lib/push-writes.js), K at
// a time (default 50), into a fresh store on this checkout's disk; a 1 ms timer notes each time
// the loop came back more than 10 ms late, with the pushes written by then and whether a fold was
// running. A store's Maps rehash every key when they double (at 65,536 and 131,072 keys: the push
// path puts one key per payment into several at once), and its folds take slices of the loop:
// those are the holds this lists. Prints one JSON line.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { round } from './lib/procs.js'
import { pushWriter } from './lib/push-writes.js'
import { optionTaker } from './lib/options.js'

const argv = process.argv.slice(2)
const option = optionTaker(argv)
const pushes = Number(option('--pushes', 140_000))
const inFlight = Number(option('--in-flight', 50))
if (argv.length !== 1) throw new Error('name one build root')
const root = resolve(argv[0])
const dist = (file) => pathToFileURL(join(root, 'dist/src', file)).href
const { LowdbStore } = await import(dist('store/lowdb-store.js'))
const { deliversTo } = await import(dist('webhooks/subscriptions.js'))
const { stkPushResponseView } = await import(dist('core/transaction-view.js'))

const dir = mkdtempSync(join(fileURLToPath(new URL('.', import.meta.url)), '.map-stall-'))
const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
await store.open()
const writer = pushWriter(store, stkPushResponseView)
const folding = () => readdirSync(dir).some((n) => /^gateway\.journal\.\d+$/.test(n))
const holds = []
let last = performance.now()
const timer = setInterval(() => {
  const now = performance.now()
  if (now - last > 10) holds.push({ ms: round(now - last, 1), pushes: writer.count, folding: folding() })
  last = now
}, 1)
const started = performance.now()
try {
  await writer.run(pushes, inFlight)
} finally {
  clearInterval(timer)
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
const outside = holds.filter((h) => !h.folding)
process.stdout.write(
  `${JSON.stringify({
    root,
    pushes,
    seconds: round((performance.now() - started) / 1000, 1),
    longest_ms: holds.reduce((m, h) => Math.max(m, h.ms), 0),
    longest_outside_folds_ms: outside.reduce((m, h) => Math.max(m, h.ms), 0),
    over_20_ms: holds.filter((h) => h.ms > 20),
  })}\n`,
)
