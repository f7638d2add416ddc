#!/usr/bin/env node
// How long each server of the bench takes to warm up: one server (and the processes it needs)
// started fresh, as bench/run.js starts it, then saturated with 50 connections for S seconds from
// the first request on; each second, the requests answered in that second and each process's CPU
// time (from /proc) in that second per request. A JIT still compiling, or a pipeline still
// filling, shows as a first few seconds with fewer answers and more CPU per answer than the rest.
//
//   node bench/warmup-curve.js PART [--seconds S] [--json]
//   PART: bare | reference | push-path | full-flow | emulator
//
// Prints one row per second (or one JSON line with them all).
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { emulatorStkPush } from './lib/emulator-push.js'
import { cpuPerRequest, cpuSample } from './lib/load-window.js'
import { round, start as startProcess } from './lib/procs.js'
import { HELD_BACK_MS, WIDE_WEBHOOK_LANES, scratchDir, startEmulator, startGatewayPair } from './lib/servers.js'

const argv = process.argv.slice(2)
const part = argv[0]
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const seconds = Number(option('--seconds', 30))
const asJson = argv.includes('--json')
const PARTS = ['bare', 'reference', 'push-path', 'full-flow', 'emulator']
if (!PARTS.includes(part)) {
  process.stderr.write(`usage: node bench/warmup-curve.js ${PARTS.join('|')} [--seconds S] [--json]\n`)
  process.exit(2)
}

const root = fileURLToPath(new URL('..', import.meta.url))
const here = (p) => join(root, 'bench', p)
const work = scratchDir('mpg-warmup-')
const start = (name, nodeArgs, options = {}) => startProcess(name, nodeArgs, { cwd: root, ...options })
const STK_BODY = { amount: 100, phone: '254708374149', reference: 'ORDER-1234', description: 'T-shirt' }

/** Starts PART's processes as bench/run.js does; returns {processes: {name: pid}, target, stop}. */
async function setUp() {
  const stops = []
  const stop = async () => {
    for (const s of stops.reverse()) await s.stop()
  }
  const json = { 'content-type': 'application/json' }
  if (part === 'bare') {
    const bare = start('bare', [here('servers/bare.js')])
    stops.push(bare)
    return { processes: { bare: bare.pid }, target: { url: (await bare.ready).url, path: '/api/v1/stk-push', headers: json, body: STK_BODY }, stop }
  }
  if (part === 'emulator' || part === 'reference') {
    const emulator = startEmulator(root, { callbackDelayMs: part === 'emulator' ? 100 : HELD_BACK_MS })
    stops.push(emulator)
    const { url: emulatorUrl, credentials } = await emulator.ready
    if (part === 'reference') {
      const reference = start('reference', [here('servers/reference.js'), JSON.stringify({ emulatorUrl, credentials, file: join(work, 'reference.log') })])
      stops.push(reference)
      const { url } = await reference.ready
      return { processes: { reference: reference.pid, emulator: emulator.pid }, target: { url, path: '/api/v1/stk-push', headers: json, body: STK_BODY }, stop }
    }
    const receiver = start('receiver', [here('servers/receiver.js')])
    stops.unshift(receiver)
    const receiverUrl = (await receiver.ready).url
    return { processes: { emulator: emulator.pid }, target: { url: emulatorUrl, ...(await emulatorStkPush(emulatorUrl, credentials, `${receiverUrl}/daraja/stk`)) }, stop }
  }
  // As bench/run.js's push-path and full-flow parts: callbacks held back on the push path; the full
  // flow with every event delivered to a receiver through the wide delivery lanes.
  const pushPathOnly = part === 'push-path'
  const servers = await startGatewayPair(root, {
    work,
    callbackDelayMs: pushPathOnly ? HELD_BACK_MS : 100,
    env: pushPathOnly ? {} : WIDE_WEBHOOK_LANES,
    webhooks: pushPathOnly ? undefined : {},
  })
  const { url, key } = servers
  return { processes: servers.processes, target: { url, path: '/api/v1/stk-push', headers: { ...json, authorization: `Bearer ${key}` }, body: STK_BODY, idempotency: true }, stop: servers.stop }
}

const { processes, target, stop } = await setUp()
const loadBefore = round(loadavg()[0], 2)
let counter = 0
const tag = `${process.pid}-${Date.now().toString(36)}`
const rows = []
let last = cpuSample(processes)
await new Promise((resolve, reject) => {
  const instance = autocannon(
    {
      url: target.url,
      connections: 50,
      duration: seconds,
      timeout: 20,
      requests: [
        {
          method: 'POST',
          path: target.path,
          headers: target.headers,
          body: JSON.stringify(target.body),
          ...(target.idempotency
            ? {
                setupRequest: (request) => {
                  request.headers = { ...request.headers, 'idempotency-key': `warmup-${tag}-${++counter}` }
                  return request
                },
              }
            : {}),
        },
      ],
    },
    (error) => (error ? reject(error) : resolve()),
  )
  // autocannon ticks once a second with the responses of that second.
  instance.on('tick', ({ counter: answered }) => {
    if (rows.length === seconds) return // the tick autocannon adds as it stops
    const now = cpuSample(processes)
    rows.push({ second: rows.length + 1, answered, cpu_ms_per_request: cpuPerRequest(last, now, answered) })
    last = now
  })
})
await stop()
if (asJson) process.stdout.write(`${JSON.stringify({ part, seconds, loadavg_1m_before: loadBefore, loadavg_1m_after: round(loadavg()[0], 2), rows })}\n`)
else {
  process.stdout.write(`${part}: load average ${loadBefore} → ${round(loadavg()[0], 2)}\nsecond  answered  ${Object.keys(processes).map((n) => `${n} ms/req`).join('  ')}\n`)
  for (const row of rows) process.stdout.write(`${String(row.second).padStart(6)}  ${String(row.answered).padStart(8)}  ${Object.values(row.cpu_ms_per_request).map((v) => String(v).padStart(10)).join('  ')}\n`)
}
process.exit(0)
