// What a fold costs the writes beside it: `node bench/fold-appends.js [--transactions N] [--runs K]
// [--variant 'label|root|ENV=V,…' …] [--json]`.
//
// A store of N full payment flows (scripts/store-measure.mjs's fill; 16,000 make a ~77 MB snapshot,
// the size of the soak's first large fold) is copied (and synced) for each run; a fresh process
// opens it with one build (`root`: a checkout whose dist/ is built; this one by default), writes
// as a gateway under the soak's load does (a payment inserted every 10 ms and changed twice, each
// write awaited: every write is acknowledged only once its journal append is on disk), and after
// 2 s forces a fold, then goes on for 3 s after the fold ended (the old snapshot's blocks are freed
// at its end). It reports the writes' latency (before, during and after the fold), the event
// loop's longest stall (a 5 ms timer), and how long a synchronous 4 KiB write to a log file on the
// same disk took (every 20 ms on the main thread: what `process.stdout.write` does when stdout is
// a file). Variants run alternately (A, B, A, B, …), each in its own process on its own copy.
import { execFileSync } from 'node:child_process'
import { closeSync, copyFileSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { stallMeter } from './lib/stalls.js'

const here = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d
const pct = (xs, p) => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

async function child(root, file) {
  const { LowdbStore } = await import(pathToFileURL(join(root, 'dist/src/store/lowdb-store.js')).href)
  const { deliversTo } = await import(pathToFileURL(join(root, 'dist/src/webhooks/subscriptions.js')).href)
  // No fold of its own: the run forces the one it measures.
  const store = new LowdbStore(file, { deliverTo: deliversTo, foldMinBytes: 2 ** 40 })
  await store.open()
  const writes = [] // [started at, ms]
  const logWrites = []
  const stalls = []
  const timed = async (write) => {
    const t = performance.now()
    await write()
    writes.push([t, performance.now() - t])
  }
  const now = () => new Date().toISOString()
  let n = 0
  let stop = false
  const pending = new Set()
  const payment = async (i) => {
    const id = `txn_probe_${String(i).padStart(18, '0')}`
    const t = {
      id, account_id: 'acct_1', mode: 'test', reference: `PROBE-${i}`, description: 'Payment for order', phone: '254712345678',
      amount: 100, platform_fee: 1.5, net_amount: 98.5, status: 'pending', merchant_request_id: null, checkout_request_id: null,
      customer_message: null, mpesa_receipt_number: null, result_code: null, result_desc: null, callback_token: `tok_probe_${i}`,
      created_at: now(), completed_at: null, payout: null,
    }
    await timed(() => store.insertTransaction(t))
    await timed(() => store.transition({ transactionId: id, guard: () => true, patch: () => ({ merchant_request_id: `29115-${i}-1`, checkout_request_id: `ws_CO_${i}` }) }))
    await sleep(2)
    await timed(() => store.transition({ transactionId: id, guard: () => true, patch: () => ({ status: 'success', mpesa_receipt_number: `SAB${i}`, result_code: '0', completed_at: now() }) }))
  }
  const load = setInterval(() => {
    if (stop) return
    const p = payment(n++).finally(() => pending.delete(p))
    pending.add(p)
  }, 10)
  const log = openSync(join(file, '..', 'gateway.log'), 'a')
  const line = Buffer.alloc(4096, 0x61)
  const logTimer = setInterval(() => {
    const t = performance.now()
    writeSync(log, line)
    logWrites.push([t, performance.now() - t])
  }, 20)
  // The main thread's stalls of 5 ms or more, split (Linux): on a CPU / waiting for one / blocked.
  // Blocked time is what a synchronous call on the loop (the log write) waited for the disk.
  const meter = stallMeter(5, 5)
  let last = performance.now()
  const tick = setInterval(() => {
    const t = performance.now()
    stalls.push([last, t - last - 5])
    last = t
  }, 5)
  // The disk alone: a thread of its own appends 1.5 KB to another O_DSYNC file every 2 ms and times
  // each write call (what an append costs on this disk, with no event loop in the way).
  const diskStop = new Int32Array(new SharedArrayBuffer(4))
  const disk = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads')
    const { openSync, writeSync, constants } = require('node:fs')
    const { performance } = require('node:perf_hooks')
    const fd = openSync(workerData.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_DSYNC ?? 0), 0o600)
    const line = Buffer.alloc(1500, 0x62)
    const times = []
    while (Atomics.load(workerData.stop, 0) === 0) {
      const t = performance.timeOrigin + performance.now()
      writeSync(fd, line)
      times.push([t, performance.timeOrigin + performance.now() - t])
      Atomics.wait(workerData.stop, 0, 0, 2)
    }
    parentPort.postMessage(times)`,
    { eval: true, workerData: { file: join(file, '..', 'disk-probe'), stop: diskStop } },
  )
  const diskTimes = new Promise((resolve) => disk.once('message', resolve))
  await sleep(2000)
  const stallsBefore = meter.read().stalls
  const foldFrom = performance.now()
  const foldFromMono = process.hrtime.bigint()
  await store.fold()
  const foldTo = performance.now()
  const foldToMono = process.hrtime.bigint()
  const stallsFold = meter.read().stalls
  await sleep(3000)
  const stallsAfter = meter.read().stalls
  meter.stop()
  stop = true
  clearInterval(load)
  clearInterval(logTimer)
  clearInterval(tick)
  await Promise.all(pending)
  Atomics.store(diskStop, 0, 1)
  Atomics.notify(diskStop, 0)
  const diskWrites = (await diskTimes).map(([t, ms]) => [t - performance.timeOrigin, ms])
  await disk.terminate()
  await store.close()
  closeSync(log)
  const phase = (xs, from, to) => xs.filter(([t]) => t >= from && t < to).map(([, ms]) => ms)
  const summary = (xs) => ({ n: xs.length, p50: round(pct(xs, 50) ?? 0), p99: round(pct(xs, 99) ?? 0), max: round(Math.max(0, ...xs)) })
  const phases = { before: [0, foldFrom], fold: [foldFrom, foldTo], after: [foldTo, Infinity] }
  // CLOCK_MONOTONIC (s) of the fold's start and end, to match with a kernel trace (trace_clock mono).
  const out = { fold_ms: round(foldTo - foldFrom, 0), fold_mono_s: [Number(foldFromMono) / 1e9, Number(foldToMono) / 1e9] }
  const blocked = { before: stallsBefore, fold: stallsFold, after: stallsAfter }
  for (const [name, [from, to]] of Object.entries(phases)) {
    out[name] = {
      main_blocked_max_ms: round(Math.max(0, ...blocked[name].map((x) => x.main_blocked_ms ?? 0))), write_ms: summary(phase(writes, from, to)), disk_append_ms: summary(phase(diskWrites, from, to)), log_write_max_ms: round(Math.max(0, ...phase(logWrites, from, to))), loop_stall_max_ms: round(Math.max(0, ...phase(stalls, from, to))) }
  }
  process.stdout.write(JSON.stringify(out))
}

async function main(argv) {
  const value = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
  const transactions = Number(value('--transactions', 16_000))
  const runs = Number(value('--runs', 2))
  const variants = argv.flatMap((a, i) => (a === '--variant' ? [argv[i + 1]] : [])).map((spec) => {
    const [label, root = here, env = ''] = spec.split('|')
    return { label, root, env: Object.fromEntries(env.split(',').filter(Boolean).map((kv) => kv.split('='))) }
  })
  if (variants.length === 0) variants.push({ label: 'this build', root: here, env: {} })
  const work = mkdtempSync(join(tmpdir(), 'mpg-fold-appends-'))
  process.on('exit', () => rmSync(work, { recursive: true, force: true }))
  const template = join(work, 'template', 'gateway.json')
  mkdirSync(join(work, 'template'), { recursive: true, mode: 0o700 })
  const { fill } = await import(pathToFileURL(join(here, 'scripts/store-measure.mjs')).href)
  const log = (m) => process.stderr.write(`[fold-appends] ${m}\n`)
  log(`filling ${transactions} payments …`)
  await fill(template, transactions)
  const bytes = statSync(template).size
  log(`snapshot ${round(bytes / 1048576, 1)} MiB; ${runs} runs of ${variants.map((v) => v.label).join(' / ')}, alternated`)
  const results = []
  for (let r = 0; r < runs; r++) {
    for (const v of variants) {
      const dir = join(work, `run-${r}-${results.length}`)
      mkdirSync(dir, { mode: 0o700 })
      const file = join(dir, 'gateway.json')
      copyFileSync(template, file)
      for (const f of [file, dir]) {
        const fd = openSync(f, 'r')
        fsyncSync(fd)
        closeSync(fd)
      }
      await sleep(2000)
      const load = round(loadavg()[0])
      const out = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', v.root, file], { encoding: 'utf8', env: { ...process.env, ...v.env } }))
      const result = { variant: v.label, run: r + 1, loadavg_1m: load, ...out }
      results.push(result)
      log(`${v.label} #${r + 1} (load ${load}): fold ${out.fold_ms} ms; write max before/fold/after ${out.before.write_ms.max}/${out.fold.write_ms.max}/${out.after.write_ms.max} ms (p99 during the fold ${out.fold.write_ms.p99}); disk append max ${out.before.disk_append_ms.max}/${out.fold.disk_append_ms.max}/${out.after.disk_append_ms.max} (p99 ${out.before.disk_append_ms.p99}/${out.fold.disk_append_ms.p99}/${out.after.disk_append_ms.p99}); main thread blocked max ${out.before.main_blocked_max_ms}/${out.fold.main_blocked_max_ms}/${out.after.main_blocked_max_ms}; log write max ${out.before.log_write_max_ms}/${out.fold.log_write_max_ms}/${out.after.log_write_max_ms}; loop stall max ${out.before.loop_stall_max_ms}/${out.fold.loop_stall_max_ms}/${out.after.loop_stall_max_ms}`)
      rmSync(dir, { recursive: true, force: true })
      await sleep(3000)
    }
  }
  return { transactions, snapshot_mb: round(bytes / 1048576, 1), results }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4])
else {
  const result = await main(process.argv.slice(2))
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`)
}
