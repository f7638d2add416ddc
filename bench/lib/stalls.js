// The event loop's stalls, seen from a timer: it ticks every `resolutionMs` and records how late
// each tick ran (time since the previous tick − resolutionMs, performance.now()), i.e. how long
// the loop could run nothing else. (perf_hooks.monitorEventLoopDelay was tried first: on Node 20
// it read 16 ms for a 100 ms busy loop.)
import { createHistogram, performance } from 'node:perf_hooks'

export function stallMeter(resolutionMs = 5) {
  let histogram = createHistogram() // µs: a histogram takes integers ≥ 1
  let last = performance.now()
  const timer = setInterval(() => {
    const now = performance.now()
    histogram.record(Math.max(1, Math.round((now - last - resolutionMs) * 1000)))
    last = now
  }, resolutionMs)
  timer.unref()
  const ms = (us) => Math.round(us / 10) / 100
  return {
    /** {max_ms, p99_ms, mean_ms} since the last read, then starts again. */
    read() {
      const h = histogram
      histogram = createHistogram()
      return { max_ms: h.count ? ms(h.max) : 0, p99_ms: h.count ? ms(h.percentile(99)) : 0, mean_ms: h.count ? ms(h.mean) : null }
    },
    stop() {
      clearInterval(timer)
    },
  }
}
