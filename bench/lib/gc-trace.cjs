// Preloaded into every node process of a bench run (NODE_OPTIONS=--require …) by
// bench/half-rate-modes.js: with MPG_GC_TRACE_FILE set, each process appends one JSON line per
// garbage collection (its start in epoch ms, kind, pause in ms, and the process's role) to that
// file, every 500 ms and at exit. A process without the variable is untouched.
const file = process.env.MPG_GC_TRACE_FILE
if (file) {
  const { PerformanceObserver, performance, constants } = require('node:perf_hooks')
  const { appendFileSync } = require('node:fs')
  const { basename } = require('node:path')
  const argv = process.argv
  const role = argv.includes('serve') ? 'gateway' : basename(argv[1] ?? 'node', '.js')
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
  }
  let lines = []
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const at = Math.round((performance.timeOrigin + entry.startTime) * 10) / 10
      lines.push(JSON.stringify({ at, pid: process.pid, role, kind: kinds[entry.detail?.kind] ?? String(entry.detail?.kind), ms: Math.round(entry.duration * 100) / 100 }))
    }
  }).observe({ entryTypes: ['gc'] })
  const flush = () => {
    if (lines.length === 0) return
    appendFileSync(file, `${lines.join('\n')}\n`)
    lines = []
  }
  setInterval(flush, 500).unref()
  process.on('exit', flush)
}
