// Preloaded into a process under test (`node --import ./bench/lib/probe.js …`) by the soak: every
// MPG_BENCH_PROBE_MS (default 10 s) it appends one JSON line to MPG_BENCH_PROBE_FILE with the
// process's own memory (RSS, V8 heap used, external) and event-loop delay since the last line,
// and the longest garbage-collection pause (PerformanceObserver 'gc'). Event-loop delay: a timer
// ticks every MPG_BENCH_PROBE_RESOLUTION_MS (default 5 ms) and each tick records how late it ran
// (time since the previous tick − 5 ms, performance.now()): the time the loop could run nothing
// else, whatever held it (a fold, GC, a big JSON.parse, the CPU given to other processes).
// (perf_hooks.monitorEventLoopDelay was tried first: it read 16 ms for a 100 ms busy loop.)
// It changes nothing in the process but adding two timers and one observer (all unref'd) and a
// SIGUSR2 listener.
import { appendFileSync } from 'node:fs'
import { createHistogram, performance, PerformanceObserver } from 'node:perf_hooks'

const file = process.env.MPG_BENCH_PROBE_FILE
if (file) {
  const every = Number(process.env.MPG_BENCH_PROBE_MS ?? 10_000)
  const resolution = Number(process.env.MPG_BENCH_PROBE_RESOLUTION_MS ?? 5)
  // Delays in µs (a histogram takes integers ≥ 1).
  let delay = createHistogram()
  let last = performance.now()
  setInterval(() => {
    const now = performance.now()
    delay.record(Math.max(1, Math.round((now - last - resolution) * 1000)))
    last = now
  }, resolution).unref()
  let gcMax = 0
  let gcTotal = 0
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMax = Math.max(gcMax, entry.duration)
      gcTotal += entry.duration
    }
  })
  gc.observe({ entryTypes: ['gc'] })
  const ms = (us) => Math.round(us / 10) / 100
  const sample = () => {
    const m = process.memoryUsage()
    const line = {
      at: Date.now(),
      pid: process.pid,
      rss_mb: Math.round((m.rss / 1048576) * 10) / 10,
      heap_used_mb: Math.round((m.heapUsed / 1048576) * 10) / 10,
      external_mb: Math.round(((m.external + m.arrayBuffers) / 1048576) * 10) / 10,
      loop_delay_max_ms: ms(delay.max),
      loop_delay_p99_ms: ms(delay.percentile(99)),
      loop_delay_mean_ms: delay.count ? ms(delay.mean) : null,
      gc_max_ms: Math.round(gcMax * 10) / 10,
      gc_total_ms: Math.round(gcTotal * 10) / 10,
    }
    delay = createHistogram()
    gcMax = 0
    gcTotal = 0
    appendFileSync(file, `${JSON.stringify(line)}\n`)
  }
  setInterval(sample, every).unref()
  // SIGUSR2: one line now, after a full GC when the process runs with --expose-gc (the heap the
  // live data holds, not garbage not yet collected).
  process.on('SIGUSR2', () => {
    globalThis.gc?.()
    sample()
  })
}
