#!/usr/bin/env node
// What each run of the push path's half-rate window held: `node bench/half-rate-modes.js [--runs N] [--json]`.
//
// Runs `node bench/run.js --only push-path --json` N times (default 6), one after the other, each
// as it always runs, and lines up with its half-rate window (the 10 s the figure
// push_path_p99_ms_at_half_rate is read over):
// - the store's folds: a fold is writing its snapshot while a rotated journal (`gateway.journal.<n>`)
//   is in the gateway's data dir, which this polls every 20 ms (nothing in the gateway changes);
// - every garbage collection of every process of the run (gateway, emulator, load generator), from
//   a PerformanceObserver preloaded into each (bench/lib/gc-trace.cjs, NODE_OPTIONS);
// - the payments stored when the window began and ended (what decides when a fold comes: one is
//   due when the journal outgrows half the snapshot, so folds come at store sizes ~1.33× apart);
// - the machine's CPU busy during the window (/proc/stat, in cores) and the load average before.
// Prints one row per run (or the rows as JSON). The figure's bimodal tail (about 13 or about 35 ms
// on an idle machine) is what this is for: whichever event is in the window in the slow runs and
// not in the fast ones. On a machine others are loading, every run reads the waits for a CPU instead.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { round } from './lib/procs.js'

const argv = process.argv.slice(2)
const option = (name, fallback) => {
  const at = argv.indexOf(name)
  return at < 0 ? fallback : argv[at + 1]
}
const runs = Number(option('--runs', 6))
const asJson = argv.includes('--json')
const root = fileURLToPath(new URL('..', import.meta.url))

/** Total and idle jiffies of all CPUs. */
function cpuJiffies() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number)
  return { total: fields.reduce((a, b) => a + b, 0), idle: fields[3] + fields[4] }
}

/** Polls the bench's temp dir for the push path's data dir and records when a rotated journal is there. */
function watchFolds(benchTmp) {
  const folds = []
  let open
  let dataDir
  const timer = setInterval(() => {
    if (!dataDir) {
      const work = existsSync(benchTmp) ? readdirSync(benchTmp).find((n) => n.startsWith('mpg-bench-')) : undefined
      const candidate = work && join(benchTmp, work, 'push-path-process-data')
      if (candidate && existsSync(candidate)) dataDir = candidate
      else return
    }
    let names
    try {
      names = readdirSync(dataDir)
    } catch {
      return
    }
    const rotated = names.some((n) => /^gateway\.journal\.\d+$/.test(n))
    if (rotated && !open) folds.push((open = { from: Date.now(), to: undefined }))
    if (!rotated && open) {
      open.to = Date.now()
      open = undefined
    }
  }, 20)
  return {
    folds,
    stop() {
      clearInterval(timer)
      if (open) open.to = Date.now()
    },
  }
}

/** Samples /proc/stat once a second, so the window's CPU busy can be read afterwards. */
function watchCpu() {
  const samples = []
  const take = () => samples.push({ at: Date.now(), ...cpuJiffies() })
  take()
  const timer = setInterval(take, 1000)
  return {
    busyCores(from, to) {
      const a = samples.filter((s) => s.at <= from).at(-1) ?? samples[0]
      const b = samples.find((s) => s.at >= to) ?? samples.at(-1)
      return b.total > a.total ? round(availableParallelism() * (1 - (b.idle - a.idle) / (b.total - a.total)), 2) : null
    },
    stop: () => clearInterval(timer),
  }
}

function runOnce(i) {
  const benchTmp = mkdtempSync(join(tmpdir(), 'mpg-modes-'))
  const gcFile = join(benchTmp, 'gc.jsonl')
  const folds = watchFolds(benchTmp)
  const cpu = watchCpu()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/run.js'), '--only', 'push-path', '--json'], {
      cwd: root,
      env: { ...process.env, TMPDIR: benchTmp, MPG_GC_TRACE_FILE: gcFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${join(root, 'bench/lib/gc-trace.cjs')}"`.trim() },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (err = (err + c).slice(-4000)))
    child.on('exit', (code) => {
      folds.stop()
      cpu.stop()
      try {
        if (code !== 0) throw new Error(`bench/run.js exited ${code}: ${err}`)
        const part = JSON.parse(out)['push-path']
        const half = part.at_half_rate
        const [from, to] = half.window_epoch_ms
        const gcs = existsSync(gcFile)
          ? readFileSync(gcFile, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l))
          : []
        const inWindow = (g) => g.at >= from && g.at <= to
        const gcOf = (role, kind) => gcs.filter((g) => g.role === role && g.kind === kind && inWindow(g)).map((g) => g.ms)
        const summary = (ms) => ({ n: ms.length, max_ms: ms.length ? round(Math.max(...ms), 1) : 0, total_ms: round(ms.reduce((a, b) => a + b, 0), 1) })
        const overlapping = folds.folds.filter((f) => f.from < to && (f.to ?? to) > from)
        // Payments stored at the window's ends: the saturated run's answers, then the half-rate run's warm-up and window.
        const atStart = part.requests_total + half.requests_in_warmup
        resolve({
          run: i,
          p50_ms: half.p50_ms,
          p99_ms: half.p99_ms,
          rate: half.rate,
          saturated_per_s: round(part.ok_per_s, 0),
          loadavg_1m_before: half.loadavg_1m_before,
          machine_busy_cores: cpu.busyCores(from, to),
          payments_at_window: [atStart, atStart + half.requests_in_window],
          folds_in_window: overlapping.map((f) => ({ from_s: round((f.from - from) / 1000, 1), to_s: f.to ? round((f.to - from) / 1000, 1) : null })),
          fold_overlap_s: round(overlapping.reduce((s, f) => s + Math.min(f.to ?? to, to) - Math.max(f.from, from), 0) / 1000, 2),
          gateway_major_gc: summary(gcOf('gateway', 'major')),
          gateway_minor_gc: summary(gcOf('gateway', 'minor')),
          emulator_major_gc: summary(gcOf('emulator', 'major')),
          emulator_minor_gc: summary(gcOf('emulator', 'minor')),
          load_major_gc: summary(gcOf('load', 'major')),
        })
      } catch (error) {
        reject(error)
      } finally {
        rmSync(benchTmp, { recursive: true, force: true })
      }
    })
  })
}

const rows = []
for (let i = 1; i <= runs; i++) {
  const row = await runOnce(i)
  rows.push(row)
  if (!asJson) {
    const gc = (s) => `${s.n}${s.n ? ` (max ${s.max_ms})` : ''}`
    const folds = row.folds_in_window.map((f) => `${f.from_s}→${f.to_s ?? '…'}`).join(', ') || 'none'
    process.stdout.write(
      `run ${i}: p99 ${row.p99_ms} ms (p50 ${row.p50_ms}) at ${row.rate}/s, load ${row.loadavg_1m_before}, busy ${row.machine_busy_cores} cores; ` +
        `payments ${row.payments_at_window.join('–')}; folds in window (s from its start) ${folds}; ` +
        `major GCs gateway ${gc(row.gateway_major_gc)}, emulator ${gc(row.emulator_major_gc)}; gateway scavenges ${row.gateway_minor_gc.n} (${row.gateway_minor_gc.total_ms} ms)\n`,
    )
  }
}
if (asJson) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
