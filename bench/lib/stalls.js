// The event loop's stalls, seen from a timer: it ticks every `resolutionMs` and records how late
// each tick ran (time since the previous tick − resolutionMs, performance.now()), i.e. how long
// the loop could run nothing else. (perf_hooks.monitorEventLoopDelay was tried first: on Node 20
// it read 16 ms for a 100 ms busy loop.)
// A stall is also recorded as the CPU time the process got over it (process.cpuUsage, capped at
// the stall): on a machine busy with other processes, a tick can be late because the process was
// not given a CPU at all; the "on CPU" figure is the part the process spent running (its own
// work, GC included), so a pause of the process's own making is told from one the machine imposed.
// On an idle machine both are the same. process.cpuUsage counts every thread of the process (V8's
// GC helpers, the thread pool's file writes), so "on CPU" is an upper bound of the main thread's.
// Stalls of `listMs` or more are also listed one by one (when, how long, on CPU), so a long one
// can be matched with what else happened at that moment (a fold's step, a GC, a system trace).
import { createHistogram, performance } from 'node:perf_hooks'

export function stallMeter(resolutionMs = 5, listMs = 20) {
  let histogram = createHistogram() // µs: a histogram takes integers ≥ 1
  let onCpu = createHistogram()
  let listed = []
  let last = performance.now()
  let lastCpu = process.cpuUsage()
  const timer = setInterval(() => {
    const now = performance.now()
    const cpu = process.cpuUsage()
    const stallUs = Math.max(1, Math.round((now - last - resolutionMs) * 1000))
    const cpuUs = Math.max(1, Math.min(stallUs, cpu.user - lastCpu.user + cpu.system - lastCpu.system))
    histogram.record(stallUs)
    onCpu.record(cpuUs)
    if (stallUs >= listMs * 1000 && listed.length < 100) {
      listed.push({ at: Math.round(performance.timeOrigin + now), ms: ms(stallUs), on_cpu_ms: ms(cpuUs) })
    }
    last = now
    lastCpu = cpu
  }, resolutionMs)
  timer.unref()
  const ms = (us) => Math.round(us / 10) / 100
  return {
    /** {max_ms, p99_ms, mean_ms, max_on_cpu_ms, stalls} since the last read, then starts again. */
    read() {
      const h = histogram
      const c = onCpu
      const stalls = listed
      histogram = createHistogram()
      onCpu = createHistogram()
      listed = []
      return { max_ms: h.count ? ms(h.max) : 0, p99_ms: h.count ? ms(h.percentile(99)) : 0, mean_ms: h.count ? ms(h.mean) : null, max_on_cpu_ms: c.count ? ms(c.max) : 0, stalls }
    },
    stop() {
      clearInterval(timer)
    },
  }
}
