#!/usr/bin/env node
// What a running gateway's store costs the garbage collector: N full payment flows written into a
// lowdb store in this process, as the gateway writes them (scripts/store-measure.mjs's fill: the
// payment with its Idempotency-Key, Daraja's ids, the success and the payout with their events and
// deliveries, each delivery's attempt), the store left open. Then, with the store as a live
// gateway holds it (records made in this process, not read back from the files):
//
// - the heap after a full GC (V8 heap used, and external: what strings and Buffers hold outside it);
// - full GCs forced one after another (`gc()`): the median wall time of one, the CPU time of all
//   threads over it (the GC's work, helpers included), and the main thread's time on a CPU,
//   waiting for one and blocked (waiting for the helpers); the work grows with the number of live
//   objects and pointers the GC visits (--single-threaded-gc: all of it on the main thread);
// - major GCs as the soak meets them: for --seconds S the store keeps taking payments at --rate R
//   while old-generation garbage is made on the side (objects kept ~1 s, then dropped) so that V8
//   starts its concurrent marking several times; the pause of each mark-compact (PerformanceObserver
//   'gc', major), the part of it where the main thread cannot run;
// - with --snapshot, the live objects by kind and constructor (a heap snapshot, counted here).
//
//   node --expose-gc bench/store-heap.js [--transactions N] [--rate R --seconds S] [--snapshot] [--json]
//
// Against the built code (dist/; `npm run build` first). Prints one JSON object with --json.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { getHeapSnapshot } from 'node:v8'
import { fillStore, openStore } from '../scripts/store-measure.mjs'
import { median, round } from './lib/procs.js'
import { mainThreadSchedule } from './lib/stalls.js'

const argv = process.argv.slice(2)
const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback)
const transactions = option('--transactions', 50_000)
const rate = option('--rate', 100)
const seconds = option('--seconds', 30)
if (!globalThis.gc) throw new Error('run with node --expose-gc')

const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10
const ms = (value) => round(value, 1)

/** Live objects after a full GC, by node type, and the constructors with the most objects (a heap snapshot). */
async function liveObjects() {
  const chunks = []
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk)
  const snapshot = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  chunks.length = 0
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const byType = {}
  const byName = new Map()
  const nodes = snapshot.nodes
  let count = 0
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]]
    // Synthetic roots are not objects of the heap.
    if (type === 'synthetic') continue
    count++
    const size = nodes[i + sizeAt]
    const entry = (byType[type] ??= { count: 0, mb: 0 })
    entry.count++
    entry.mb += size
    if (type === 'object' || type === 'array' || type === 'closure') {
      const name = `${type}:${snapshot.strings[nodes[i + nameAt]]}`
      const named = byName.get(name) ?? { count: 0, bytes: 0 }
      named.count++
      named.bytes += size
      byName.set(name, named)
    }
  }
  for (const entry of Object.values(byType)) entry.mb = mb(entry.mb)
  const top = [...byName].sort((a, b) => b[1].count - a[1].count).slice(0, 20).map(([name, e]) => ({ name, count: e.count, mb: mb(e.bytes) }))
  return { objects: count, by_type: byType, top_constructors: top }
}

const dir = mkdtempSync(join(tmpdir(), 'mpg-store-heap-'))
try {
  const store = await openStore(join(dir, 'gateway.json'))
  const filled = performance.now()
  const cpu = process.cpuUsage()
  const stored = await fillStore(store, transactions)
  const fillMs = performance.now() - filled
  // Every thread of the process (the appends' thread pool, V8's GC helpers): what the fill cost the machine.
  const fillCpu = process.cpuUsage(cpu)
  // The store as it rests: no fold left running (a fold holds views of every table).
  await store.fold()
  gc()
  gc()
  const memory = process.memoryUsage()
  // Each forced GC: its wall time, the CPU time of every thread over it (the GC's whole work,
  // helpers included), and the main thread's time on a CPU, waiting for one, and blocked (neither:
  // asleep, e.g. waiting for the GC's helper threads), from its scheduler counts (Linux).
  const forced = []
  const forcedCpu = []
  const forcedMain = []
  const schedule = mainThreadSchedule()
  for (let i = 0; i < 7; i++) {
    const cpuBefore = process.cpuUsage()
    const [runBefore, waitBefore] = schedule?.() ?? [0, 0]
    const started = performance.now()
    gc()
    const wall = performance.now() - started
    const [run, wait] = schedule?.() ?? [0, 0]
    const used = process.cpuUsage(cpuBefore)
    forced.push(wall)
    forcedCpu.push((used.user + used.system) / 1000)
    const onCpu = (run - runBefore) / 1e6
    const waiting = (wait - waitBefore) / 1e6
    forcedMain.push({ on_cpu: onCpu, waiting, blocked: Math.max(0, wall - onCpu - waiting) })
  }
  const objects = argv.includes('--snapshot') ? await liveObjects() : undefined

  // Major GCs under load: the store takes `rate` payments/s while garbage reaches the old generation.
  const majors = []
  const minors = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(entry.duration)
      else if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minors.push(entry.duration)
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  // Garbage that lives ~1 s: promoted by two scavenges, then dropped (a request's buffers, an
  // answer kept a little while) so the old generation grows and V8 marks it concurrently.
  const ring = new Array(20).fill(null)
  let slot = 0
  const churn = setInterval(() => {
    ring[slot++ % ring.length] = Array.from({ length: 20_000 }, (_, i) => ({ i, text: `garbage ${i}` }))
  }, 50)
  const until = performance.now() + seconds * 1000
  let next = stored
  const perTick = Math.max(1, Math.round(rate / 10))
  while (performance.now() < until) {
    const tick = performance.now()
    await fillStore(store, perTick, perTick, next)
    next += perTick
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (performance.now() - tick))))
  }
  clearInterval(churn)
  ring.fill(null)
  observer.disconnect()
  await store.close()
  const result = {
    transactions: stored,
    fill_ms: Math.round(fillMs),
    fill_cpu_us_per_payment: Math.round((fillCpu.user + fillCpu.system) / stored),
    heap_used_mb: mb(memory.heapUsed),
    external_mb: mb(memory.external),
    heap_plus_external_mb_per_100k: Math.round(((memory.heapUsed + memory.external) / 1048576) * (100_000 / stored)),
    forced_full_gc_ms_median: ms(median(forced)),
    forced_full_gc_ms: forced.map(ms),
    forced_full_gc_cpu_ms_median: ms(median(forcedCpu)),
    forced_full_gc_main_thread_ms_median: { on_cpu: ms(median(forcedMain.map((m) => m.on_cpu))), waiting: ms(median(forcedMain.map((m) => m.waiting))), blocked: ms(median(forcedMain.map((m) => m.blocked))) },
    under_load: { rate, seconds, payments: next - stored, major_gcs: majors.length, major_pause_ms_median: ms(majors.length ? median(majors) : 0), major_pause_ms_max: ms(Math.max(0, ...majors)), major_pause_ms: majors.map(ms), minor_gcs: minors.length, minor_pause_ms_max: ms(Math.max(0, ...minors)) },
    ...(objects ? { live: objects } : {}),
    load_average: loadavg()[0],
  }
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`)
  else console.log(JSON.stringify(result, null, 2))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
