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
// Where Linux's per-thread scheduler counts are readable (/proc/self/task/<pid>/schedstat: time on
// a CPU and time waiting on a run queue, in ns), each stall is also split for the main thread
// alone: on a CPU (its own work: JavaScript, GC, a syscall's kernel time), waiting for a CPU
// (runnable, the cores busy with other threads or processes), and neither (blocked: a synchronous
// file call waiting for the disk, a lock, waiting for GC helper threads). Read every tick (~6 µs).
import { openSync, readSync } from 'node:fs'
import { createHistogram, performance } from 'node:perf_hooks'

/** The main thread's [ns on a CPU, ns waiting on a run queue] so far, or undefined off Linux. */
export function mainThreadSchedule() {
  let fd
  try {
    fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r')
  } catch {
    return undefined
  }
  const bytes = Buffer.alloc(128)
  return () => {
    const text = bytes.toString('latin1', 0, readSync(fd, bytes, 0, bytes.length, 0))
    const [run, wait] = text.split(' ')
    return [Number(run), Number(wait)]
  }
}

export function stallMeter(resolutionMs = 5, listMs = 20) {
  let histogram = createHistogram() // µs: a histogram takes integers ≥ 1
  let onCpu = createHistogram()
  let listed = []
  let last = performance.now()
  let lastCpu = process.cpuUsage()
  const schedule = mainThreadSchedule()
  let lastSchedule = schedule?.()
  let mainOnCpu = createHistogram()
  const timer = setInterval(() => {
    const now = performance.now()
    const cpu = process.cpuUsage()
    const stallUs = Math.max(1, Math.round((now - last - resolutionMs) * 1000))
    const cpuUs = Math.max(1, Math.min(stallUs, cpu.user - lastCpu.user + cpu.system - lastCpu.system))
    histogram.record(stallUs)
    onCpu.record(cpuUs)
    const sched = schedule?.()
    // The main thread's own share of the interval (its timer's 5 ms included), capped at the stall.
    const mainUs = sched && lastSchedule ? Math.max(1, Math.min(stallUs, Math.round((sched[0] - lastSchedule[0]) / 1000))) : undefined
    const waitUs = sched && lastSchedule ? Math.round((sched[1] - lastSchedule[1]) / 1000) : undefined
    if (mainUs !== undefined) mainOnCpu.record(mainUs)
    if (stallUs >= listMs * 1000 && listed.length < 100) {
      const stall = { at: Math.round(performance.timeOrigin + now), ms: ms(stallUs), on_cpu_ms: ms(cpuUs) }
      if (mainUs !== undefined) Object.assign(stall, { main_on_cpu_ms: ms(mainUs), main_waiting_for_cpu_ms: ms(waitUs), main_blocked_ms: ms(Math.max(0, stallUs + resolutionMs * 1000 - Math.round((sched[0] - lastSchedule[0]) / 1000) - waitUs)) })
      listed.push(stall)
    }
    lastSchedule = sched
    last = now
    lastCpu = cpu
  }, resolutionMs)
  timer.unref()
  const ms = (us) => Math.round(us / 10) / 100
  return {
    /** {max_ms, p99_ms, mean_ms, max_on_cpu_ms, max_main_on_cpu_ms, stalls} since the last read, then starts again. */
    read() {
      const h = histogram
      const c = onCpu
      const m = mainOnCpu
      const stalls = listed
      histogram = createHistogram()
      onCpu = createHistogram()
      mainOnCpu = createHistogram()
      listed = []
      return { max_ms: h.count ? ms(h.max) : 0, p99_ms: h.count ? ms(h.percentile(99)) : 0, mean_ms: h.count ? ms(h.mean) : null, max_on_cpu_ms: c.count ? ms(c.max) : 0, max_main_on_cpu_ms: schedule && m.count ? ms(m.max) : null, stalls }
    },
    stop() {
      clearInterval(timer)
    },
  }
}
