// Preloaded into a process under test (`node --import ./bench/lib/probe.js …`) by the soak: every
// MPG_BENCH_PROBE_MS (default 10 s) it appends one JSON line to MPG_BENCH_PROBE_FILE with the
// process's own memory (RSS, V8 heap used, external) and event-loop delay since the last line,
// and the longest garbage-collection pause (PerformanceObserver 'gc'). Event-loop delay: a timer
// ticks every MPG_BENCH_PROBE_RESOLUTION_MS (default 5 ms) and each tick records how late it ran
// (time since the previous tick − 5 ms, performance.now()): the time the loop could run nothing
// else, whatever held it (a fold, GC, a big JSON.parse, the CPU given to other processes); see
// stalls.js.
// It changes nothing in the process but adding two timers and one observer (all unref'd) and a
// SIGUSR2 listener.
import { appendFile, appendFileSync } from 'node:fs'
import { constants, performance, PerformanceObserver } from 'node:perf_hooks'
import { stallMeter } from './stalls.js'

const file = process.env.MPG_BENCH_PROBE_FILE
if (file) {
  const every = Number(process.env.MPG_BENCH_PROBE_MS ?? 10_000)
  const stalls = stallMeter(Number(process.env.MPG_BENCH_PROBE_RESOLUTION_MS ?? 5))
  let gcMax = 0
  let gcMaxKind = null
  let gcTotal = 0
  // GC pauses long enough to matter, with when they began (ms since the epoch): a listed stall is
  // matched with the GC time inside it.
  let gcLong = []
  // Which kind the longest pause was: a scavenge (young generation) or a mark-compact (all of it).
  const KINDS = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' }
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration > gcMax) {
        gcMax = entry.duration
        gcMaxKind = KINDS[entry.detail?.kind] ?? String(entry.detail?.kind)
      }
      gcTotal += entry.duration
      if (entry.duration >= 2 && gcLong.length < 1000) gcLong.push({ from: performance.timeOrigin + entry.startTime, ms: entry.duration, kind: KINDS[entry.detail?.kind] ?? String(entry.detail?.kind) })
    }
  })
  gc.observe({ entryTypes: ['gc'] })
  const sample = (sync = false) => {
    const m = process.memoryUsage()
    const delay = stalls.read()
    const line = {
      at: Date.now(),
      pid: process.pid,
      rss_mb: Math.round((m.rss / 1048576) * 10) / 10,
      heap_used_mb: Math.round((m.heapUsed / 1048576) * 10) / 10,
      external_mb: Math.round((m.external / 1048576) * 10) / 10, // Buffers included
      loop_delay_max_ms: delay.max_ms,
      loop_delay_p99_ms: delay.p99_ms,
      loop_delay_mean_ms: delay.mean_ms,
      loop_delay_max_on_cpu_ms: delay.max_on_cpu_ms,
      loop_delay_max_main_thread_on_cpu_ms: delay.max_main_on_cpu_ms,
      gc_max_ms: Math.round(gcMax * 10) / 10,
      gc_max_kind: gcMaxKind,
      gc_total_ms: Math.round(gcTotal * 10) / 10,
      // Each stall of 20 ms or more: when it ended, how long, on CPU, and the GC time within it.
      stalls: delay.stalls.map((s) => {
        const gcs = gcLong.filter((g) => g.from < s.at && g.from + g.ms > s.at - s.ms)
        return { ...s, gc_ms: Math.round(gcs.reduce((sum, g) => sum + g.ms, 0) * 10) / 10, gc_kinds: [...new Set(gcs.map((g) => g.kind))].join('+') || null }
      }),
    }
    gcLong = gcLong.filter((g) => g.from > Date.now() - 1000)
    gcMax = 0
    gcMaxKind = null
    gcTotal = 0
    // Not a synchronous write on the loop it measures: a file write can wait for the file
    // system's journal (tens of ms while another file's blocks are freed), which the probe would
    // then report as the process's own stall. Written at once only on the way out.
    if (sync) appendFileSync(file, `${JSON.stringify(line)}\n`)
    else appendFile(file, `${JSON.stringify(line)}\n`, () => undefined)
  }
  setInterval(sample, every).unref()
  // SIGUSR2: one line now (the soak sends it before stopping the process, so the last, partial
  // window is measured too), after a full GC when the process runs with --expose-gc (the heap
  // the live data holds, not garbage not yet collected).
  process.on('SIGUSR2', () => {
    globalThis.gc?.()
    sample()
  })
}
