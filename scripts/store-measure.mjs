#!/usr/bin/env node
/**
 * Measures the embedded (lowdb) store at size, against the built code (dist/; run `npm run build`
 * first): what a fold costs the event loop, the heap per 100k transactions and the restart time.
 *
 *   node scripts/store-measure.mjs [--transactions N] [--busy-ms M] [--json]   (--busy-ms: the event loop held M ms during the fold, the probe's check)
 *   node scripts/store-measure.mjs --ceiling [--json]   (filled until it refuses new payments: the bound)
 *   node scripts/store-measure.mjs --pushes N [--in-flight C] [--folds K] [--json]   (CPU per push, push path; see measurePushes)
 *   node scripts/store-measure.mjs --transactions N --keep DIR   (the store is filled in DIR and left there)
 *   node scripts/store-measure.mjs --open-only DIR [--runs R] [--root ROOT] [--json]   (only the restart: DIR's store
 *     opened R times (default 3), each in a fresh process, by the build in ROOT (default this tree): the same file
 *     opened by two builds, alternated, is an A/B of the open)
 *
 * Each payment is written as the gateway writes a full flow: the transaction with its
 * Idempotency-Key, Daraja's ids, the success with its event and delivery, the payout's B2C ids and
 * result with its event and delivery, both deliveries' attempts. The store is then opened again
 * in a fresh process (restart time, heap after GC) and a fold is forced while a probe samples the
 * event loop. `measureStore()` is exported for bench/run.js:
 *
 *   const { measureStore } = await import('../scripts/store-measure.mjs')
 *   const { fold_max_stall_ms, heap_mb_per_100k_transactions, restart_ms_per_10k_transactions } = await measureStore({ transactions: 20_000 })
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os, { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { pushWriter } from '../bench/lib/push-writes.js'
import { mainThreadSchedule } from '../bench/lib/stalls.js'

// The build whose store is measured: this tree's, or another's (--root, passed on to the children).
const root = process.env.MPG_MEASURE_ROOT ?? fileURLToPath(new URL('..', import.meta.url))
const round1 = (ms) => Math.max(0, Math.round(ms * 10) / 10)
const dist = (path) => pathToFileURL(join(root, 'dist', path)).href

export async function openStore(file, options = {}) {
  const { LowdbStore } = await import(dist('src/store/lowdb-store.js'))
  const { deliversTo } = await import(dist('src/webhooks/subscriptions.js'))
  const store = new LowdbStore(file, { deliverTo: deliversTo, ...options })
  await store.open()
  return store
}

/**
 * Writes `count` full payment flows, `concurrency` at a time (they share flushes, as under load).
 * Stops early, once every flow begun has finished, when the store refuses new payments at its size
 * ceiling; resolves with the payments stored.
 */
export async function fill(file, count, concurrency = 200) {
  const store = await openStore(file)
  const stored = await fillStore(store, count, concurrency)
  await store.close()
  return stored
}

/** fill() into a store already open, left open (bench/store-heap.js measures its heap). `from`: the first payment's number. */
export async function fillStore(store, count, concurrency = 200, from = 0) {
  const { transactionView } = await import(dist('src/core/transaction-view.js'))
  const now = () => new Date().toISOString()
  if (from === 0) await store.createWebhookEndpoint({ id: 'we_measure', account_id: 'acct_1', mode: 'test', url: 'https://example.com/hook', events: [], sealed_secret: 'x'.repeat(80), created_at: now(), deleted_at: null })
  const deliveryAttempt = () => ({ at: now(), status_code: 200, duration_ms: 3, error: null, response_body: 'ok' })
  const one = async (i) => {
    const id = `txn_${String(i).padStart(24, '0')}`
    const scope = `acct_1:test:order-${i}`
    const t = {
      id, account_id: 'acct_1', mode: 'test', reference: `ORDER-${i}`, description: 'Payment for order', phone: '254712345678',
      amount: 100, platform_fee: 1.5, net_amount: 98.5, status: 'pending', merchant_request_id: null, checkout_request_id: null,
      customer_message: null, mpesa_receipt_number: null, result_code: null, result_desc: null, callback_token: `tok_${i}_${'x'.repeat(20)}`,
      created_at: now(), completed_at: null, payout: null,
    }
    await store.insertTransaction(t, { idempotency: { scope, fingerprint: 'f'.repeat(64), state: 'in_flight', status_code: null, response: null, transaction_id: id, created_at: now() } })
    const pushed = await store.transition({ transactionId: id, guard: () => true, patch: () => ({ merchant_request_id: `29115-${i}-1`, checkout_request_id: `ws_CO_${i}_${Date.now()}`, customer_message: 'Success. Request accepted for processing' }) })
    await store.saveIdempotency({ scope, fingerprint: 'f'.repeat(64), state: 'done', status_code: 201, response: transactionView(pushed.transaction), transaction_id: id, created_at: now() })
    const payout = { status: 'pending', type: 'mpesa', amount: 98.5, destination: { type: 'mpesa', phone: '254712345678' }, originator_conversation_id: `oc_${i}`, callback_token: `ptok_${i}`, attempts: 0, created_at: now(), updated_at: now() }
    const paid = await store.transition({
      transactionId: id, guard: (x) => x.status === 'pending',
      patch: () => ({ status: 'success', mpesa_receipt_number: `SAB${i}`, result_code: '0', result_desc: 'The service request is processed successfully.', completed_at: now(), payout }),
      events: (x) => [{ event: 'payment.success', data: { ...transactionView(x), transaction_id: x.id, mpesa_receipt: x.mpesa_receipt_number } }],
    })
    await store.transition({ transactionId: id, guard: () => true, patch: (x) => ({ payout: { ...x.payout, conversation_id: `AG_${i}`, attempts: 1, updated_at: now() } }) })
    const settled = await store.transition({
      transactionId: id, guard: () => true,
      patch: (x) => ({ payout: { ...x.payout, status: 'success', mpesa_receipt: `B2C${i}`, result_code: '0', result_desc: 'The service request is processed successfully.', updated_at: now(), settled_at: now() } }),
      events: (x) => [{ event: 'payout.success', data: { ...transactionView(x), transaction_id: x.id } }],
    })
    for (const d of [...paid.deliveries, ...settled.deliveries]) {
      await store.updateDelivery(d.id, (c) => ({ ...c, status: 'succeeded', next_attempt_at: null, attempts: [...c.attempts, deliveryAttempt()], updated_at: now() }))
    }
  }
  let stored = 0
  let full = false
  const attempt = async (i) => {
    try {
      await one(i)
      stored++
    } catch (error) {
      if (error?.reason !== 'full') throw error
      full = true
    }
  }
  for (let i = from; i < from + count && !full; i += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, from + count - i) }, (_, j) => attempt(i + j)))
  return stored
}

/** The main thread's [ms on a CPU, ms waiting for one] so far (Linux's per-thread scheduler counts), or undefined elsewhere. */
function mainThreadScheduleMs() {
  const ns = mainThreadSchedule()
  return ns && (() => ns().map((n) => n / 1e6))
}

/**
 * The longest the event loop was held, since the last take(): a 1 ms timer, and for each interval
 * between two of its turns, the time the loop spent neither waiting in the kernel for I/O or a
 * timer (libuv's idle time, performance.eventLoopUtilization) nor waiting for a CPU (the main
 * thread's run-queue wait, schedstat; the larger of the two is taken off, since a thread woken
 * from its wait for I/O waits for a CPU inside that idle time). What is left is what held the loop:
 * JavaScript, GC, a synchronous system call or a lock. The timer's interval alone (`gap`) also
 * counts the timer's own lateness while the loop sleeps (1 ms timers fire up to 1 ms late; a busy
 * 2-core machine wakes a thread milliseconds late): on an idle process it read 3.7-4 ms.
 */
function loopProbe() {
  const schedule = mainThreadScheduleMs()
  const now = () => [performance.now(), performance.eventLoopUtilization().idle, schedule ? schedule()[1] : 0]
  let [lastAt, lastIdle, lastWait] = now()
  let worstHeld = 0
  let worstGap = 0
  let ticked = () => undefined
  const tick = setInterval(() => {
    const [at, idle, wait] = now()
    const gap = at - lastAt
    worstGap = Math.max(worstGap, gap)
    worstHeld = Math.max(worstHeld, gap - Math.max(idle - lastIdle, wait - lastWait))
    ;[lastAt, lastIdle, lastWait] = [at, idle, wait]
    ticked()
  }, 1)
  return {
    /** The worst since the last take() (ms), once the interval running now has ended too. */
    async take() {
      await new Promise((resolve) => (ticked = resolve))
      ticked = () => undefined
      const worst = { held: worstHeld, gap: worstGap }
      worstHeld = 0
      worstGap = 0
      return worst
    },
    stop: () => clearInterval(tick),
  }
}

/**
 * Holds the event loop for `ms`: the deliberate stall that shows the probe sees one. `busy`: that
 * much of the main thread's CPU time (wall time where that is not readable), as JavaScript or a GC
 * would; `blocked`: asleep in the kernel, as a synchronous file call or a lock would (not on a CPU).
 */
function holdLoop(ms, how) {
  if (how === 'blocked') return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
  const schedule = mainThreadScheduleMs()
  const spent = schedule ? () => schedule()[0] : () => performance.now()
  const from = spent()
  while (spent() - from < ms);
}

/**
 * In a fresh process: open (restart time, the process's CPU time for it, heap after GC), then
 * (unless `openOnly`) a forced fold under an event-loop probe.
 */
async function child(file, { openOnly = false, holdMs = 0, hold = 'busy' } = {}) {
  // The V8 heap plus what its objects hold outside it (large strings the store decodes from its
  // files live there): what the store costs in memory, wherever V8 keeps it.
  const heapUsed = () => {
    const m = process.memoryUsage()
    return m.heapUsed + m.external
  }
  globalThis.gc()
  const heapBefore = heapUsed()
  const cpu = process.cpuUsage()
  const started = performance.now()
  const store = await openStore(file)
  const restartMs = performance.now() - started
  // Every thread of the process (the file's reads, V8's GC helpers): what the open costs a busy machine.
  const used = process.cpuUsage(cpu)
  const restartCpuMs = (used.user + used.system) / 1000
  globalThis.gc()
  // The file's bytes (a Buffer) are released by V8 a little after the GC that finds them garbage.
  await new Promise((resolve) => setTimeout(resolve, 100))
  globalThis.gc()
  const heapAfter = heapUsed()
  const rss = process.memoryUsage().rss
  if (openOnly) {
    await store.close()
    process.stdout.write(JSON.stringify({ restartMs, restartCpuMs, heapBytes: heapAfter - heapBefore, rss }))
    return
  }
  // The check of history lines a store runs for seconds after it opens (1 ms of work every 10 ms):
  // its slices are not the fold's, and a gateway folds once its journal is half its snapshot.
  const probe = loopProbe()
  // (The probe's timer keeps the process alive: the check's own timers do not.)
  await store.whenChecked()
  // The same probe with nothing to do first: what the machine alone costs (scheduling, timers).
  await probe.take()
  await new Promise((resolve) => setTimeout(resolve, 500))
  const idleWorst = await probe.take()
  const foldStarted = performance.now()
  const folding = store.fold()
  // The check that the probe sees a stall during a fold: one of holdMs, once the fold has begun.
  if (holdMs > 0) setImmediate(() => holdLoop(holdMs, hold))
  await folding
  const foldMs = performance.now() - foldStarted
  const foldWorst = await probe.take()
  probe.stop()
  await store.close()
  // What reading the same bytes costs this machine now with one JSON.parse: the restart in
  // units of it is comparable across machines and loads.
  const { readFileSync } = await import('node:fs')
  const parseStarted = performance.now()
  JSON.parse(readFileSync(file, 'utf8'))
  const parseMs = performance.now() - parseStarted
  process.stdout.write(JSON.stringify({ parseMs, restartMs, restartCpuMs, heapBytes: heapAfter - heapBefore, rss, foldMs, foldHeldMs: foldWorst.held, foldGapMs: foldWorst.gap, idleHeldMs: idleWorst.held, idleGapMs: idleWorst.gap }))
}

/** The median of numbers. */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** Opens the store in `dir` `runs` times, each in a fresh process (as measureStore's restart, without the fill and the fold). */
export function measureOpens(dir, { runs = 3, buildRoot = root } = {}) {
  const file = join(dir, 'gateway.json')
  const loadBefore = os.loadavg()[0]
  const opens = Array.from({ length: runs }, () =>
    JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', file, '--open-only'], { encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, MPG_MEASURE_ROOT: buildRoot } })),
  )
  return {
    root: buildRoot,
    restart_ms: Math.round(median(opens.map((o) => o.restartMs))),
    restart_ms_runs: opens.map((o) => Math.round(o.restartMs)),
    restart_cpu_ms: Math.round(median(opens.map((o) => o.restartCpuMs))),
    restart_cpu_ms_runs: opens.map((o) => Math.round(o.restartCpuMs)),
    load_average_before: loadBefore,
  }
}

export async function measureStore({ transactions = 20_000, busyMs = 0, keep } = {}) {
  if (transactions === 'ceiling') return measureCeiling()
  if (keep) mkdirSync(keep, { recursive: true })
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'mpg-store-measure-'))
  try {
    const file = join(dir, 'gateway.json')
    const filled = performance.now()
    // Filled in a process of its own, which has exited before the store is opened again: nothing
    // of the fill (its heap of the whole store, V8's background GC of it) runs beside the opens.
    transactions = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--fill', file, String(transactions)], { encoding: 'utf8', maxBuffer: 1 << 20 })).stored
    const fillMs = performance.now() - filled
    const loadBeforeRestart = os.loadavg()[0]
    const run = (...args) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', file, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 }))
    // The restart three times, each in a fresh process (the last one then forces the fold): the
    // median, since on a shared 2-core machine one open can be slowed by anything else running.
    const opens = [run('--open-only'), run('--open-only')]
    const out = busyMs > 0 ? run('--busy-ms', String(busyMs)) : run()
    opens.push(out)
    out.restartMs = median(opens.map((o) => o.restartMs))
    out.restartCpuMs = median(opens.map((o) => o.restartCpuMs))
    const bytes = statSync(file).size + statSync(join(dir, 'gateway.journal')).size
    return {
      transactions,
      store_bytes: bytes,
      bytes_per_transaction: Math.round(bytes / transactions),
      fill_ms: Math.round(fillMs),
      // The longest the fold held the event loop (loopProbe: the loop neither idle nor waiting for a CPU).
      fold_max_stall_ms: round1(out.foldHeldMs),
      fold_ms: Math.round(out.foldMs),
      // The same probe while idle, for the same process, just before the fold.
      idle_max_stall_ms: round1(out.idleHeldMs),
      // The 1 ms timer's longest interval minus its period, during the fold and idle: what this
      // figure read before (it counts the timer's lateness while the loop sleeps, and the machine's).
      fold_max_timer_gap_ms: round1(out.foldGapMs - 1),
      idle_max_timer_gap_ms: round1(out.idleGapMs - 1),
      heap_mb_per_100k_transactions: Math.round((out.heapBytes / 1024 / 1024) * (100_000 / transactions)),
      heap_mb_after_restart: Math.round(out.heapBytes / 1024 / 1024),
      rss_mb_after_restart: Math.round(out.rss / 1024 / 1024),
      // Median of three opens, each in a fresh process, and each of them; the median CPU time of
      // the opens (all threads): a restart slowed by a busy machine shows as wall time above it.
      restart_ms: Math.round(out.restartMs),
      restart_ms_runs: opens.map((o) => Math.round(o.restartMs)),
      restart_cpu_ms: Math.round(out.restartCpuMs),
      load_average_before_restart: loadBeforeRestart,
      restart_ms_per_10k_transactions: Math.round(out.restartMs * (10_000 / transactions)),
      // The restart over one JSON.parse of the snapshot on the same machine at the same moment.
      restart_vs_json_parse: Math.round((out.restartMs / out.parseMs) * 100) / 100,
      load_average: os.loadavg()[0],
    }
  } finally {
    if (!process.env.MPG_MEASURE_KEEP && !keep) rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The store's CPU per push: `pushes` STK pushes written through the real store as the push path
 * writes them (the Idempotency-Key read, the payment with its key claimed, then Daraja's ids and
 * the key's outcome in one flush), `inFlight` at a time (few in flight: small group commits, as at
 * half rate; many: large ones), the payments left pending as when Daraja's callbacks are held
 * back. Then the reconciler's look-up of due payments over all of them. CPU is this process's
 * (user + system, the thread pool's appends included), after 2,000 pushes of warm-up.
 */
export async function measurePushes({ pushes = 20_000, inFlight = 4, folds = 0 } = {}) {
  const { PerformanceObserver } = await import('node:perf_hooks')
  const { stkPushResponseView } = await import(dist('src/core/transaction-view.js'))
  const dir = mkdtempSync(join(tmpdir(), 'mpg-store-pushes-'))
  try {
    const store = await openStore(join(dir, 'gateway.json'))
    let gcMs = 0
    const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration)))
    observer.observe({ entryTypes: ['gc'] })
    const writer = pushWriter(store, stkPushResponseView)
    const run = (count) => writer.run(count, inFlight)
    await run(2_000)
    const cpu = process.cpuUsage()
    const gcBefore = gcMs
    await run(pushes)
    const used = process.cpuUsage(cpu)
    const started = performance.now()
    await store.listPendingTransactions(new Date(Date.now() - 60_000).toISOString())
    const lookUpMs = performance.now() - started
    // Forced folds of the store as it is now (every payment pending), each after 500 more pushes:
    // what one fold costs when most records are unchanged since the last one (the first makes the
    // text of every payment stored since the last due fold), and the loop's longest stall during
    // each (measureStore's probe; the same probe idle for 500 ms first).
    const foldCpuMs = []
    const foldStallMs = []
    const probe = loopProbe()
    await probe.take()
    await new Promise((resolve) => setTimeout(resolve, 500))
    const idleStallMs = (await probe.take()).held
    for (let k = 0; k < folds; k++) {
      await run(500)
      await probe.take()
      const before = process.cpuUsage()
      await store.fold()
      const spent = process.cpuUsage(before)
      foldCpuMs.push(Math.round((spent.user + spent.system) / 1000))
      foldStallMs.push(round1((await probe.take()).held))
    }
    probe.stop()
    // Run with `node --expose-gc`: the heap the store holds with every payment pending.
    // and what it holds outside the heap (the texts of history, and those a fold keeps of pending payments).
    let heapMb
    let externalMb
    if (globalThis.gc) {
      globalThis.gc()
      const m = process.memoryUsage()
      heapMb = Math.round((m.heapUsed / 1048576) * 10) / 10
      externalMb = Math.round((m.external / 1048576) * 10) / 10
    }
    observer.disconnect()
    await store.close()
    return {
      pushes,
      in_flight: inFlight,
      pending_at_end: writer.count,
      cpu_us_per_push: Math.round((used.user + used.system) / pushes),
      user_us_per_push: Math.round(used.user / pushes),
      system_us_per_push: Math.round(used.system / pushes),
      gc_us_per_push: Math.round(((gcMs - gcBefore) * 1000) / pushes),
      reconciler_look_up_ms: Math.round(lookUpMs * 10) / 10,
      ...(heapMb === undefined ? {} : { heap_mb_at_end: heapMb, external_mb_at_end: externalMb }),
      ...(folds > 0 ? { pending_at_folds: writer.count, fold_cpu_ms: foldCpuMs, fold_stall_ms: foldStallMs, idle_stall_ms: round1(idleStallMs) } : {}),
      load_average: os.loadavg()[0],
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The bound: a store filled with full flows until it refuses new payments at its default size
 * ceiling, opened in a fresh process. What the embedded store can cost at most in memory and
 * restart time (everything stops at 1.5× the ceiling, but only payments already accepted finish
 * past it).
 */
export async function measureCeiling() {
  const { DEFAULT_MAX_BYTES } = await import(dist('src/store/lowdb-engine.js'))
  // More than fit: fill stops at the first payment refused.
  const measured = await measureStore({ transactions: Math.ceil(DEFAULT_MAX_BYTES / 3000) })
  return {
    store_ceiling_mib: DEFAULT_MAX_BYTES / 1048576,
    transactions_at_store_ceiling: measured.transactions,
    store_mib_at_ceiling: Math.round(measured.store_bytes / 1048576),
    // V8 heap plus what it holds outside (the store's text), after GC, in a fresh process.
    heap_mb_at_store_ceiling: measured.heap_mb_after_restart,
    rss_mb_after_restart_at_store_ceiling: measured.rss_mb_after_restart,
    restart_ms_at_store_ceiling: measured.restart_ms,
    fold_max_stall_ms_at_store_ceiling: measured.fold_max_stall_ms,
    load_average: measured.load_average,
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  if (args[0] === '--child') {
    const held = ['--busy-ms', '--blocked-ms'].includes(args[2])
    await child(args[1], { openOnly: args[2] === '--open-only', holdMs: held ? Number(args[3]) : 0, hold: args[2] === '--blocked-ms' ? 'blocked' : 'busy' })
  }
  else if (args[0] === '--fill') process.stdout.write(JSON.stringify({ stored: await fill(args[1], Number(args[2])) }))
  else {
    const valueOf = (flag, fallback) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback)
    const textOf = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined)
    const result = args.includes('--open-only')
      ? measureOpens(textOf('--open-only'), { runs: valueOf('--runs', 3), buildRoot: textOf('--root') ? resolve(textOf('--root')) : root })
      : args.includes('--ceiling')
      ? await measureCeiling()
      : args.includes('--pushes')
        ? await measurePushes({ pushes: valueOf('--pushes', 20_000), inFlight: valueOf('--in-flight', 4), folds: valueOf('--folds', 0) })
        : await measureStore({ transactions: valueOf('--transactions', 20_000), busyMs: valueOf('--busy-ms', 0), keep: textOf('--keep') })
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`)
    else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(34)} ${v}`)
  }
}
