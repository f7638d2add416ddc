#!/usr/bin/env node
// The delivery worker's CPU time per delivery, without its start-up: like the bench's worker part
// (a stopped gateway's store seeded with N due deliveries to one endpoint on a local receiver, then
// `mpg serve` on it), but the gateway's CPU time is counted from when it is up to when the last
// delivery is received, so the store's open and the module load are left out. For comparing two
// builds of the delivery path.
//
//   node bench/worker-cpu.js [--n N] [--root DIR] [--prof DIR]
//
// --root runs another checkout's build (its dist/, bin/, bench/); --prof writes a `--cpu-prof` of
// the delivering gateway to DIR (run with MPG_NO_BUNDLE=1 for readable names). Prints one JSON line.
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuMs, getJson, request, round, sleep, start } from './lib/procs.js'
import { WIDE_WEBHOOK_LANES, scratchDir, startGateway } from './lib/servers.js'

const argv = process.argv.slice(2)
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const root = option('--root', fileURLToPath(new URL('..', import.meta.url)))
const n = Number(option('--n', 4000))
const prof = option('--prof', undefined)

const work = scratchDir('mpg-worker-cpu-')
const dataDir = join(work, 'data')
// As the bench's worker part: `mpg serve`'s own emulator, one endpoint given every delivery lane.
const serve = (nodeFlags = []) => startGateway(root, { dataDir, logFile: join(work, 'gateway.log'), nodeFlags, env: WIDE_WEBHOOK_LANES })

const receiver = start('receiver', [join(root, 'bench/servers/receiver.js')], { cwd: root })
const receiverUrl = (await receiver.ready).url
const setup = serve()
const { url, key } = await setup.ready
const created = await getJson(`${url}/api/v1/webhooks`, {
  method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ url: `${receiverUrl}/webhooks`, events: ['payment.success'] }),
})
if (created.status !== 201) throw new Error(`POST /api/v1/webhooks answered ${created.status}`)
await setup.stop()
const seed = spawnSync(process.execPath, [join(root, 'bench/seed-deliveries.js'), dataDir, String(n)], { cwd: root, encoding: 'utf8' })
if (seed.status !== 0) throw new Error(`seeding failed: ${seed.stderr}`)
await request(`${receiverUrl}/__reset`, { method: 'POST' })

const loadavgBefore = round(loadavg()[0], 2)
const gateway = serve(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])
await gateway.ready
const cpuBefore = cpuMs(gateway.pid)
let stats
for (const until = Date.now() + 120_000; ; ) {
  stats = (await getJson(`${receiverUrl}/__stats`)).body
  if (stats.count >= n || Date.now() > until) break
  await sleep(20)
}
const cpu = cpuMs(gateway.pid) - cpuBefore
await gateway.stop()
await receiver.stop()
process.stdout.write(
  `${JSON.stringify({
    delivered: stats.count,
    duplicates: stats.duplicates,
    deliveries_per_s: round(stats.count / Math.max(0.001, (stats.last_at - stats.first_at) / 1000), 0),
    gateway_cpu_ms_per_delivery: round(cpu / stats.count, 4),
    loadavg_1m_before: loadavgBefore,
  })}\n`,
)
process.exit(0)
