// Load runs whose CPU time is read over the measured window alone. Each load generator
// (bench/load.js) warms its server up, says so on a line of its own and waits; once every one has,
// the bench samples (each process's CPU time from /proc, and whatever else it counts), lets them
// all start the measured run, and samples again the moment the last result line arrives. So the
// CPU time of the warm-up (a JIT still compiling) is in neither the numerator nor the denominator.
import { spawn } from 'node:child_process'
import { children, cpuMs, round } from './procs.js'

/**
 * Runs `script` (bench/load.js) once per config, all at once, with the handshake. `sample('start')`
 * is awaited between the warm-up and the measured run, and `sample('end')` when the last generator
 * has printed its result (`sample('before')` before the warm-up, to show what it cost). Resolves
 * {results, before, start, end}: each generator's result line, and the samples.
 */
export async function loadWindow(script, configs, sample, { cwd } = {}) {
  const before = await sample('before')
  const runs = configs.map((config) => generator(script, { ...config, handshake: true }, cwd))
  try {
    await Promise.all(runs.map((r) => r.warmedUp))
    const start = await sample('start')
    for (const r of runs) r.go()
    const results = await Promise.all(runs.map((r) => r.result))
    const end = await sample('end')
    await Promise.all(runs.map((r) => r.exited))
    return { results, before, start, end }
  } finally {
    for (const r of runs) r.kill()
  }
}

function generator(script, config, cwd) {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
  children.add(child)
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (c) => (err = (err + c).slice(-4000)))
  const lines = []
  const waiting = []
  let buffer = ''
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      lines.push(buffer.slice(0, nl))
      buffer = buffer.slice(nl + 1)
      for (const wake of waiting.splice(0)) wake()
    }
  })
  const exited = new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      children.delete(child)
      if (code === 0) resolve()
      else reject(new Error(`load generator failed (${code}): ${err}`))
    }),
  )
  exited.catch(() => {})
  /** The n-th stdout line (0-based) as JSON; rejects if the generator exits first. */
  const line = async (n) => {
    while (lines.length <= n) {
      await Promise.race([new Promise((resolve) => waiting.push(resolve)), exited.then(() => Promise.reject(new Error(`load generator exited before its line ${n + 1}: ${err}`)))])
    }
    return JSON.parse(lines[n])
  }
  // Both are asked for at once; a generator that fails rejects both, and only one is awaited.
  const warmedUp = line(0)
  const result = line(1)
  warmedUp.catch(() => {})
  result.catch(() => {})
  return {
    warmedUp,
    result,
    exited,
    go: () => child.stdin.end('go\n'),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}

/** CPU ms each of `processes` ({name: pid}) has used so far. */
export function cpuSample(processes) {
  return Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuMs(pid)]))
}

/** CPU ms per request of each process between two cpuSample()s; null where a sample is missing. */
export function cpuPerRequest(before, after, requests, digits = 3) {
  return Object.fromEntries(
    Object.keys(before).map((name) => [name, after[name] === null || before[name] === null || !requests ? null : round((after[name] - before[name]) / requests, digits)]),
  )
}
