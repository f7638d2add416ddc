// How fast the machine is right now: a fixed amount of CPU-bound work, timed in CPU time of this
// process, not wall time. Other programs taking turns on the cores do not change it; a core that
// got slower does (a busy neighbour on the host's physical core, a lower clock), and that is what
// makes one run's CPU per request read high against another's (bench/README.md, "machine_drift").
// Two kinds of work: integer arithmetic (the core alone) and JSON with the small allocations it
// makes (memory and the allocator too). Each is the least of several rounds: a round that met a
// garbage collection or an interrupt reads high, none reads low.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { round } from './procs.js'

const TEXT = JSON.stringify({ amount: 100, phone: '254708374149', reference: 'ORDER-1234', description: 'T-shirt', metadata: { order: 'A-1', lines: [1, 2, 3] } })

let sink = 0
const WORK = {
  alu() {
    let x = 1
    for (let i = 0; i < 15_000_000; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
    }
    sink += x
  },
  json() {
    for (let i = 0; i < 10_000; i++) sink += JSON.parse(TEXT).amount + JSON.stringify({ i, text: TEXT }).length
  },
}

function cpuMsOf(work) {
  const before = process.cpuUsage()
  work()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / 1000
}

/**
 * CPU ms of the fixed work ({alu_ms, json_ms}: each the least of `rounds` rounds, after one untimed
 * round for the JIT) and their sum, cpu_ms. The rounds are `gapMs` apart (~0.6 s in all), so a
 * moment's disturbance moves none of the least figures, and only a machine slower for the whole
 * span reads slower.
 */
export async function calibrate(options = {}) {
  // In a process of its own: in the bench's process the JSON work read 12.4 ms early in a full run
  // and 21.5 ms after the store and PostgreSQL parts (its heap then holds what they loaded), while
  // the arithmetic read the same, so the bench's own garbage read as a slower machine.
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(options)])
  return JSON.parse(stdout)
}

async function calibrateHere({ rounds = 5, gapMs = 100 } = {}) {
  for (const work of Object.values(WORK)) work()
  const least = Object.fromEntries(Object.keys(WORK).map((name) => [name, Infinity]))
  for (let i = 0; i < rounds; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
    for (const [name, work] of Object.entries(WORK)) least[name] = Math.min(least[name], cpuMsOf(work))
  }
  return { cpu_ms: round(least.alu + least.json, 2), alu_ms: round(least.alu, 2), json_ms: round(least.json, 2) }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(JSON.stringify(await calibrateHere(JSON.parse(process.argv[2] ?? '{}'))))
