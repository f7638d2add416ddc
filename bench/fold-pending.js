#!/usr/bin/env node
/**
 * What one fold of the embedded store costs when it holds many pending payments that do not change
 * between folds (the push path's gateway with Daraja's callbacks held back holds ~167k at its end).
 * In-process, against the built code of a tree (dist/; `npm run build` first):
 *
 *   node --expose-gc bench/fold-pending.js [--payments 160000] [--folds 3] [--in-flight 16] [--root DIR] [--prof FILE] [--json]
 *
 * Fills a store with `--payments` pushes written as the push path writes them (the transaction with
 * its Idempotency-Key claim, Daraja's ids, the key's answer; folds as they come due), then forces
 * `--folds` folds, each after 500 more pushes, and prints for each: wall time, the main thread's CPU
 * time (Linux's per-thread schedstat; what the fold takes from the event loop) and every thread's
 * (process.cpuUsage: the writes, syncs and V8's GC helpers too), the GCs inside it, and after the
 * last one the V8 heap and what it holds outside (external) after a full GC. `--root`: the tree
 * whose dist/ is measured (default: this one), so that two builds can be alternated with the same
 * script. `--prof FILE`: a CPU profile of the forced folds only (node:inspector), written to FILE.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import os, { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { pushWriter } from './lib/push-writes.js'
import { mainThreadSchedule } from './lib/stalls.js'

const args = process.argv.slice(2)
const valueOf = (flag, fallback) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback)
const root = resolve(valueOf('--root', fileURLToPath(new URL('..', import.meta.url))))
const payments = Number(valueOf('--payments', 160_000))
const folds = Number(valueOf('--folds', 3))
const inFlight = Number(valueOf('--in-flight', 16))
const profFile = valueOf('--prof', undefined)
const dist = (path) => pathToFileURL(join(root, 'dist', path)).href
const round1 = (x) => Math.round(x * 10) / 10

const { LowdbStore } = await import(dist('src/store/lowdb-store.js'))
const { deliversTo } = await import(dist('src/webhooks/subscriptions.js'))
const { stkPushResponseView } = await import(dist('src/core/transaction-view.js'))

const dir = mkdtempSync(join(tmpdir(), 'mpg-fold-pending-'))
const file = join(dir, 'gateway.json')
try {
  const store = new LowdbStore(file, { deliverTo: deliversTo })
  await store.open()
  // Pushes as the gateway stores them (bench/lib/push-writes.js, as scripts/store-measure.mjs --pushes).
  const writer = pushWriter(store, stkPushResponseView)
  const run = (count) => writer.run(count, inFlight)
  const fillStarted = performance.now()
  await run(payments)
  const fillS = (performance.now() - fillStarted) / 1000
  // Whatever fold the filling left running ends first.
  await store.fold()

  let gcs = []
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcs.push(e)))
  observer.observe({ entryTypes: ['gc'] })
  const schedule = mainThreadSchedule()
  const session = profFile ? new Session() : undefined
  if (session) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: 200 })
  }
  const results = []
  for (let k = 0; k < folds; k++) {
    await run(500)
    gcs = []
    const mainBefore = schedule ? schedule()[0] : 0
    const cpu = process.cpuUsage()
    if (session) await session.post('Profiler.start')
    // The longest gap between two ticks of a 1 ms timer during the fold (on a busy machine this
    // also counts waits for a CPU; scripts/store-measure.mjs has the finer probe).
    // For the widest, the main thread's time on a CPU and waiting for one within it (schedstat):
    // what is left of the gap was the thread blocked (a system call, a page fault) or the loop idle.
    let last = performance.now()
    let lastSchedule = schedule ? schedule() : [0, 0]
    let widestGap = 0
    let widestSplit = [0, 0]
    const tick = setInterval(() => {
      const now = performance.now()
      const at = schedule ? schedule() : [0, 0]
      if (now - last > widestGap) {
        widestGap = now - last
        widestSplit = [(at[0] - lastSchedule[0]) / 1e6, (at[1] - lastSchedule[1]) / 1e6]
      }
      last = now
      lastSchedule = at
    }, 1)
    const started = performance.now()
    await store.fold()
    const wallMs = performance.now() - started
    clearInterval(tick)
    if (session) {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(folds > 1 ? `${profFile}.${k}` : profFile, JSON.stringify(profile))
    }
    const used = process.cpuUsage(cpu)
    results.push({
      wall_ms: Math.round(wallMs),
      main_thread_cpu_ms: schedule ? Math.round((schedule()[0] - mainBefore) / 1e6) : undefined,
      all_threads_cpu_ms: Math.round((used.user + used.system) / 1000),
      scavenges: gcs.filter((e) => e.detail?.kind === 1).length,
      mark_compacts: gcs.filter((e) => e.detail?.kind === 4).length,
      gc_ms: round1(gcs.reduce((sum, e) => sum + e.duration, 0)),
      widest_timer_gap_ms: round1(widestGap),
      widest_gap_on_cpu_ms: round1(widestSplit[0]),
      widest_gap_waiting_for_cpu_ms: round1(widestSplit[1]),
    })
  }
  observer.disconnect()
  session?.disconnect()
  let memory
  if (globalThis.gc) {
    globalThis.gc()
    await new Promise((r) => setTimeout(r, 100))
    globalThis.gc()
    const m = process.memoryUsage()
    memory = { heap_mb: round1(m.heapUsed / 1048576), external_mb: round1(m.external / 1048576), heap_plus_external_mb: round1((m.heapUsed + m.external) / 1048576), rss_mb: round1(m.rss / 1048576) }
  }
  const snapshotMb = round1(statSync(file).size / 1048576)
  await store.close()
  const median = (key) => {
    const xs = results.map((r) => r[key]).sort((a, b) => a - b)
    return xs[Math.floor(xs.length / 2)]
  }
  const out = {
    root,
    pending: writer.count,
    fill_s: round1(fillS),
    snapshot_mb: snapshotMb,
    folds: results,
    median_wall_ms: median('wall_ms'),
    median_main_thread_cpu_ms: median('main_thread_cpu_ms'),
    median_all_threads_cpu_ms: median('all_threads_cpu_ms'),
    ...memory,
    load_average: os.loadavg().map((x) => round1(x)),
  }
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(out)}\n`)
  else console.log(JSON.stringify(out, null, 2))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
