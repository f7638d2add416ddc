#!/usr/bin/env node
// CPU time per payment of the full flow, every payment followed to its end: `mpg serve` on the
// emulator in its own process (as the bench's full-flow part), STK pushes at a fixed rate for a few
// seconds after a warm-up, then the gateway's and the emulator's CPU time (from /proc) from the
// start of the load until both are idle again (every callback, B2C and B2C result handled), divided
// by the pushes sent. With --webhook a webhook endpoint on a local receiver takes every payment and
// payout event, and the count waits for every delivery too. For comparing two builds of the flow's
// back half, which the bench's saturated figure only sees mixed with the push path and the load.
//
//   node bench/flow-cpu.js [--rate R] [--seconds S] [--webhook] [--root DIR] [--push-only] [--prof DIR]
//
// --prof writes a `--cpu-prof` of the gateway and of the emulator to DIR (run with MPG_NO_BUNDLE=1
// for readable names; bench/lib/profile.js FILE prints the hottest functions).
// --push-only holds Daraja's callbacks back past the run, as the bench's push-path part does: the
// figure is then the push path's own CPU per push (every payment stays pending).
// --root runs another checkout's build (its dist/, bin/ and bench/servers/), so builds can be
// alternated in one sitting. Prints one JSON line.
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuMs, cpuSplitMs, mainThreadCpuMs, round, sleep } from './lib/procs.js'
import { HELD_BACK_MS, scratchDir, startGatewayPair } from './lib/servers.js'

const argv = process.argv.slice(2)
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const root = option('--root', fileURLToPath(new URL('..', import.meta.url)))
const rate = Number(option('--rate', 300))
const seconds = Number(option('--seconds', 5))
const webhook = argv.includes('--webhook')
const callbackDelayMs = argv.includes('--push-only') ? HELD_BACK_MS : 100
const prof = option('--prof', undefined)
const profArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []

const work = scratchDir('mpg-flow-cpu-')

// The default delivery lanes (4 per endpoint), as this script's earlier figures were read; the
// count waits for every delivery, so the lanes move when deliveries arrive, not how many there are.
const servers = await startGatewayPair(root, {
  work,
  callbackDelayMs,
  nodeFlags: profArgs,
  emulatorNodeFlags: profArgs,
  webhooks: webhook ? { events: ['payment.success', 'payment.failed', 'payout.success', 'payout.failed'] } : undefined,
})
const { url, key, receiverUrl, gateway, emulator } = servers
const delivered = async () => (receiverUrl ? (await (await fetch(`${receiverUrl}/__stats`)).json()).count : 0)

/** The load generator (bench/load.js) at the fixed rate; resolves with its figures. */
function load(duration) {
  const config = {
    url,
    path: '/api/v1/stk-push',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: { amount: 100, phone: '254708374149', reference: 'ORDER-1234', description: 'T-shirt' },
    idempotency: true,
    connections: 50,
    warmup: 0,
    duration,
    rate,
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/load.js'), JSON.stringify(config)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`load generator exited ${code}`))))
  })
}

const busyMs = () => cpuMs(gateway.pid) + cpuMs(emulator.pid)
/** Until both processes spend under 3% of a core for 400 ms (callbacks are 100 ms behind the pushes). */
async function idle() {
  for (;;) {
    const before = busyMs()
    await sleep(400)
    if (busyMs() - before < 12) return
  }
}
/** Until the receiver has `n` deliveries (each payment brings two events), at most 60 s. */
async function deliveredAtLeast(n) {
  const until = Date.now() + 60_000
  while (receiverUrl && (await delivered()) < n && Date.now() < until) await sleep(100)
}

const warm = await load(3)
await deliveredAtLeast(2 * warm.requests_total)
await idle()
if (receiverUrl) await fetch(`${receiverUrl}/__reset`, { method: 'POST' })
const loadavgBefore = round(loadavg()[0], 2)
const gatewayBefore = cpuMs(gateway.pid)
const gatewaySplitBefore = cpuSplitMs(gateway.pid)
const gatewayMainBefore = mainThreadCpuMs(gateway.pid)
const emulatorBefore = cpuMs(emulator.pid)
const run = await load(seconds)
await deliveredAtLeast(2 * run.requests_total)
await idle()
const payments = run.requests_total
process.stdout.write(
  `${JSON.stringify({
    payments,
    rate,
    p50_ms: run.p50_ms,
    p99_ms: run.p99_ms,
    non2xx: run.non2xx,
    ...(receiverUrl ? { deliveries: await delivered() } : {}),
    gateway_cpu_ms_per_payment: round((cpuMs(gateway.pid) - gatewayBefore) / payments, 3),
    gateway_user_ms_per_payment: round((cpuSplitMs(gateway.pid).user - gatewaySplitBefore.user) / payments, 3),
    gateway_sys_ms_per_payment: round((cpuSplitMs(gateway.pid).sys - gatewaySplitBefore.sys) / payments, 3),
    // The event loop's thread alone (the rest is libuv's pool: the journal's O_DSYNC writes, and GC helpers).
    gateway_main_thread_ms_per_payment: round((mainThreadCpuMs(gateway.pid) - gatewayMainBefore) / payments, 3),
    emulator_cpu_ms_per_payment: round((cpuMs(emulator.pid) - emulatorBefore) / payments, 3),
    loadavg_1m_before: loadavgBefore,
  })}\n`,
)
await servers.stop()
process.exit(0)
