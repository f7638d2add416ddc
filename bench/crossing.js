#!/usr/bin/env node
// The push path's latency while its store passes a number of payments, of one build:
// `node bench/crossing.js [--at N] [--rate R] [--before S] [--after S] ROOT`.
//
// The gateway (`mpg serve` of ROOT, lowdb store) and its emulator (own process, callbacks held
// back) as bench/run.js starts them; pushes with 50 connections kept busy until the store holds
// N − R·S_before payments (default N 131,072, R 1,500/s, S_before 5), then R pushes/s at an even
// pace (bench/lib/paced.js) for S_before + S_after seconds (default 5 + 5), so that the store
// passes N in the middle of that window. Prints one JSON line: the paced window's p50 / p99 /
// p99.9 / max (ms, from when each push was due to its answer). A store's Maps double at 65,536
// and 131,072 keys, rehashing every key in one step (bench/README.md, "The push path's tail at
// half rate on an idle machine"): this puts that step inside a measured window.
import autocannon from 'autocannon'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pacedRun } from './lib/paced.js'
import { round } from './lib/procs.js'
import { HELD_BACK_MS, RECONCILE_AFTER_SITTING, scratchDir, startGatewayPair } from './lib/servers.js'
import { optionTaker } from './lib/options.js'

const argv = process.argv.slice(2)
const option = optionTaker(argv)
const at = Number(option('--at', 131_072))
const rate = Number(option('--rate', 1500))
const before = Number(option('--before', 5))
const after = Number(option('--after', 5))
if (argv.length !== 1) throw new Error('name one build root')
const root = resolve(argv[0])
const here = fileURLToPath(new URL('.', import.meta.url))
const work = scratchDir('mpg-crossing-')
const body = { amount: 100, phone: '254708374149', reference: 'ORDER-1234', description: 'T-shirt' }

// The emulator is this checkout's whichever build ROOT is: the same Daraja for every build compared.
// At the defaults a fill slower than ~2,470 pushes/s ends the window over 60 s after the start, when
// the reconciler would begin asking STK Query about every push held back: it waits 600 s here.
const servers = await startGatewayPair(root, { work, emulatorRoot: join(here, '..'), callbackDelayMs: HELD_BACK_MS, env: RECONCILE_AFTER_SITTING })
try {
  const { url, key } = servers
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` }
  let counter = 0
  const fill = Math.max(0, at - Math.round(rate * before))
  const filled = await new Promise((done, fail) =>
    autocannon(
      {
        url,
        connections: 50,
        amount: fill,
        timeout: 20,
        requests: [{ method: 'POST', path: '/api/v1/stk-push', headers, body: JSON.stringify(body), setupRequest: (r) => ({ ...r, headers: { ...r.headers, 'idempotency-key': `fill-${++counter}` } }) }],
      },
      (error, result) => (error ? fail(error) : done(result)),
    ),
  )
  const load = round(loadavg()[0], 2)
  const window = await pacedRun({ url, path: '/api/v1/stk-push', headers, body, connections: 50, idempotency: true }, rate, before + after, () => `window-${++counter}`)
  process.stdout.write(
    `${JSON.stringify({
      root,
      filled: filled['2xx'],
      fill_per_s: round(filled['2xx'] / filled.duration, 0),
      at,
      rate,
      loadavg_1m_before: load,
      non2xx: window.non2xx,
      p50_ms: window.latency.p50,
      p99_ms: window.latency.p99,
      p999_ms: window.latency.p999,
      max_ms: window.latency.max,
    })}\n`,
  )
} finally {
  await servers.stop()
}
