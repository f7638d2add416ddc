#!/usr/bin/env node
// The emulator alone, per STK push with its callback, as bench/run.js's emulator part loads it (50
// connections at saturation, callbacks 100 ms later to bench/servers/receiver.js): CPU per request
// by thread over the measured window (the event loop's thread, and V8's helper threads: the garbage
// collector's and TurboFan's), and with --alloc the bytes allocated per request by function (V8's
// sampling heap profiler, collected objects included: what the young-generation collections have
// to go through; the profiler slows the emulator, so its CPU figures are not comparable then).
// Several ROOTs (checkouts with a build) are alternated round by round, a fresh process each, for
// A/B comparisons in one sitting. Prints one JSON line per sample, then the medians.
//
//   node bench/emulator-cpu.js [--rounds N] [--seconds S] [--warmup S] [--alloc] [--top K] [ROOT ...]
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { emulatorStkPush } from './lib/emulator-push.js'
import { loadWindow } from './lib/load-window.js'
import { killChildren, median, round, sleep, start } from './lib/procs.js'
import { startEmulator } from './lib/servers.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const argv = process.argv.slice(2)
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const WITH_VALUE = new Set(['--rounds', '--seconds', '--warmup', '--top'])
const roots = []
for (let i = 0; i < argv.length; i++) {
  if (WITH_VALUE.has(argv[i])) i++
  else if (argv[i] !== '--alloc') roots.push(argv[i])
}
if (roots.length === 0) roots.push(join(here, '..'))
const rounds = Number(option('--rounds', 3))
const seconds = Number(option('--seconds', 8))
const warmup = Number(option('--warmup', 8))
const top = Number(option('--top', 12))
const alloc = argv.includes('--alloc')
for (const root of roots) {
  if (!existsSync(join(root, 'dist/emulator/index.js'))) throw new Error(`${root}: no dist/emulator (run npm run build there)`)
}
process.on('exit', killChildren)

const CLK_TCK = 100

/** CPU ms of the event loop's thread and of all the others, from /proc/PID/task/TID/stat. */
function threadsCpu(pid) {
  let main = 0
  let helpers = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    } catch {
      continue // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
    if (tid === String(pid)) main += ms
    else helpers += ms
  }
  return { main, helpers }
}

/** Bytes per request by function (file tail and name), from a sampling heap profile. */
function allocationBy(profile, requests) {
  const byFunction = new Map()
  let total = 0
  const walk = (node) => {
    const { url, functionName } = node.callFrame
    const file = url.includes('/dist/') ? url.slice(url.indexOf('/dist/') + 6) : url.slice(url.lastIndexOf('/') + 1)
    const key = `${file} ${functionName || '(anonymous)'}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize)
    total += node.selfSize
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  const ours = [...byFunction].filter(([key]) => key.startsWith('emulator/') || key.startsWith('src/')).reduce((sum, [, bytes]) => sum + bytes, 0)
  return {
    bytes_per_request: Math.round(total / requests),
    own_code_bytes_per_request: Math.round(ours / requests),
    top: [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, bytes]) => [key, Math.round(bytes / requests)]),
  }
}

async function sample(root, index) {
  const allocFile = join(tmpdir(), `mpg-emulator-alloc-${process.pid}-${index}.json`)
  const receiver = start('receiver', [join(root, 'bench/servers/receiver.js')], { cwd: root })
  const emulator = startEmulator(root, {
    callbackDelayMs: 100,
    nodeFlags: alloc ? ['--require', join(here, 'lib/profile-sampler.cjs')] : [],
    env: alloc ? { MPG_PROFILE_FILE: allocFile, MPG_PROFILE_KIND: 'alloc' } : {},
  })
  try {
    const receiverUrl = (await receiver.ready).url
    const { url, credentials } = await emulator.ready
    const target = { url, ...(await emulatorStkPush(url, credentials, `${receiverUrl}/daraja/stk`)) }
    const loadavgBefore = round(loadavg()[0], 2)
    const { results, start: first, end: last } = await loadWindow(
      join(here, 'load.js'),
      [{ connections: 50, warmup, duration: seconds, ...target }],
      async (at) => {
        const cpu = threadsCpu(emulator.pid)
        if (alloc && at !== 'before') emulator.child.kill('SIGUSR2')
        return cpu
      },
      { cwd: root },
    )
    const requests = results[0].requests_in_window
    const out = {
      root,
      loadavg_1m_before: loadavgBefore,
      ok_per_s: Math.round(results[0].ok_per_s),
      requests,
      cpu_ms_per_request: round((last.main + last.helpers - first.main - first.helpers) / requests, 4),
      main_thread_ms_per_request: round((last.main - first.main) / requests, 4),
      helper_threads_ms_per_request: round((last.helpers - first.helpers) / requests, 4),
    }
    if (alloc) {
      for (let waited = 0; !existsSync(allocFile) && waited < 30_000; waited += 100) await sleep(100)
      await sleep(200) // the file is written in one call; let it finish
      Object.assign(out, allocationBy(JSON.parse(readFileSync(allocFile, 'utf8')), requests))
      rmSync(allocFile, { force: true })
    }
    return out
  } finally {
    await emulator.stop()
    await receiver.stop()
  }
}

const samples = []
for (let round_ = 0; round_ < rounds; round_++) {
  for (const root of roots) {
    const result = await sample(root, samples.length)
    samples.push(result)
    process.stdout.write(`${JSON.stringify(result)}\n`)
  }
}
const summary = roots.map((root) => {
  const mine = samples.filter((s) => s.root === root)
  const med = (key) => (mine[0][key] === undefined ? undefined : median(mine.map((s) => s[key])))
  return {
    root,
    samples: mine.length,
    median_cpu_ms_per_request: med('cpu_ms_per_request'),
    median_main_thread_ms_per_request: med('main_thread_ms_per_request'),
    median_helper_threads_ms_per_request: med('helper_threads_ms_per_request'),
    median_bytes_per_request: med('bytes_per_request'),
    median_own_code_bytes_per_request: med('own_code_bytes_per_request'),
    loadavg_1m: mine.map((s) => s.loadavg_1m_before),
  }
})
process.stdout.write(`${JSON.stringify({ summary })}\n`)
process.exit(0)
