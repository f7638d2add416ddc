#!/usr/bin/env node
// What a push waits for in the embedded store, of several builds side by side, without HTTP:
// `node bench/store-appends.js [--rate R] [--burst S] [--rounds K] [--daraja MS] ROOT [ROOT…]`.
//
// Each push as the push path makes it: its payment stored (insertTransaction: the first append),
// then Daraja (a timer of MS ms, default 3: about the emulator's answer at half rate), then Daraja's
// ids stored (transition: the second append). R pushes/s (default 1500) for S seconds (default 5)
// into a fresh store beside this checkout (the data dir's disk, not tmpfs) per build, the builds'
// order reversed every round. Prints per build the median over bursts of each wait's p50 / p99 and
// of the push's p99 (the two appends and the timer), in ms, the appends made per push and this
// process's CPU per push (the pushes' own work and the store's). ROOT: a checkout with dist/ built.
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { median, percentile, round, sleep } from './lib/procs.js'
import { pendingPayment } from './lib/push-writes.js'
import { optionTaker } from './lib/options.js'

const argv = process.argv.slice(2)
const option = optionTaker(argv)
const rate = Number(option('--rate', 1500))
const burst = Number(option('--burst', 5))
const rounds = Number(option('--rounds', 6))
const daraja = Number(option('--daraja', 3))
if (argv.length === 0) throw new Error('name at least one build root')
const here = fileURLToPath(new URL('..', import.meta.url))

const builds = []
for (const root of argv) {
  const dist = (file) => pathToFileURL(join(resolve(root), 'dist/src', file)).href
  const { LowdbStore } = await import(dist('store/lowdb-store.js'))
  const { deliversTo } = await import(dist('webhooks/subscriptions.js'))
  const { Journal } = await import(dist('store/journal.js'))
  const build = { name: basename(resolve(root)), LowdbStore, deliversTo, bursts: [], appends: 0 }
  // Counted, not changed: how many appends the pushes took.
  const append = Journal.prototype.append
  Journal.prototype.append = function (entries) {
    if (entries.length > 0) build.appends++
    return append.call(this, entries)
  }
  builds.push(build)
}

async function run(build, r) {
  const dir = mkdtempSync(join(here, '.store-appends-'))
  const store = new build.LowdbStore(join(dir, 'gateway.json'), { deliverTo: build.deliversTo })
  try {
    await store.open()
    const first = []
    const second = []
    const whole = []
    const pushes = []
    const push = async (id) => {
      const t0 = performance.now()
      await store.insertTransaction(pendingPayment(id))
      const t1 = performance.now()
      await sleep(daraja)
      const t2 = performance.now()
      await store.transition({
        transactionId: id,
        guard: (t) => t.status === 'pending',
        patch: () => ({ merchant_request_id: `mr_${id}`, checkout_request_id: `ws_CO_${id}`, customer_message: 'Success. Request accepted for processing' }),
      })
      const t3 = performance.now()
      first.push(t1 - t0)
      second.push(t3 - t2)
      whole.push(t3 - t0)
    }
    const count = Math.round(rate * burst)
    const appendsBefore = build.appends
    const cpuBefore = process.cpuUsage()
    const start = performance.now()
    for (let i = 0; i < count; ) {
      // Every push due by now (a timer fires late on a busy machine), then wait for the next.
      for (const now = performance.now(); i < count && start + (i * 1000) / rate <= now; i++) pushes.push(push(`p_${r}_${i}`))
      await sleep(Math.max(0, start + (i * 1000) / rate - performance.now()))
    }
    await Promise.all(pushes)
    const cpu = process.cpuUsage(cpuBefore)
    build.bursts.push({ appendsPerPush: (build.appends - appendsBefore) / count, cpuPerPush: (cpu.user + cpu.system) / 1000 / count, first: [50, 99].map((p) => percentile(first, p)), second: [50, 99].map((p) => percentile(second, p)), p99: percentile(whole, 99), p50: percentile(whole, 50) })
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

for (let r = 0; r < rounds; r++) for (const build of r % 2 ? [...builds].reverse() : builds) await run(build, r)
for (const build of builds) {
  const m = (f) => round(median(build.bursts.map(f)), 2)
  process.stdout.write(
    `${JSON.stringify({
      build: build.name,
      first_append_p50_p99_ms: [m((b) => b.first[0]), m((b) => b.first[1])],
      second_append_p50_p99_ms: [m((b) => b.second[0]), m((b) => b.second[1])],
      push_p50_ms: m((b) => b.p50),
      appends_per_push: m((b) => b.appendsPerPush),
      cpu_ms_per_push: round(median(build.bursts.map((b) => b.cpuPerPush)), 4),
      median_burst_p99_ms: m((b) => b.p99),
      bursts_p99_ms: build.bursts.map((b) => round(b.p99, 1)),
    })}\n`,
  )
}
process.stdout.write(`load average ${loadavg().map((x) => round(x, 2)).join(' ')}\n`)
