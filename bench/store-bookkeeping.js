#!/usr/bin/env node
// The embedded store's in-memory bookkeeping of an STK push, with no file I/O and no flush: what
// StoreState and the change set do per push (the key's look-up, claim and outcome, the payment
// stored and changed, the indexes, a take() every 50 pushes), 5,000 pushes of warm-up then N,
// every payment left pending. Several builds alternate, one fresh process per sample, so a
// machine whose load drifts loads every build alike; store-measure's --pushes (the whole store,
// journal and fsync included) moves more from run to run than this part does between builds.
//
//   node bench/store-bookkeeping.js [--pushes N] [--pairs K] ROOT [ROOT…]
//
// ROOT: a checkout with dist/ built. Prints one JSON line per build: µs of CPU per push, each sample.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { transactionRecord } from './lib/payments.js'
import { median } from './lib/procs.js'

const { values, positionals: roots } = parseArgs({
  options: { pushes: { type: 'string', default: '60000' }, pairs: { type: 'string', default: '5' }, child: { type: 'string' } },
  allowPositionals: true,
})
const pushes = Number(values.pushes)
const pairs = Number(values.pairs)
const child = values.child

if (child === undefined) {
  if (roots.length === 0) throw new Error('name at least one build root')
  const samples = new Map(roots.map((root) => [root, []]))
  for (let k = 0; k < pairs; k++) {
    for (const root of k % 2 ? [...roots].reverse() : roots) {
      const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', root, '--pushes', String(pushes)], { encoding: 'utf8' })
      samples.get(root).push(JSON.parse(out).us_per_push)
    }
  }
  for (const [root, us] of samples) console.log(JSON.stringify({ build: root, median_us_per_push: median(us), samples_us: us }))
} else {
  const dist = (path) => pathToFileURL(join(child, 'dist/src/store', path)).href
  const { StoreState } = await import(dist('state.js'))
  const { ChangeSet } = await import(dist('changes.js'))
  const { frozenCopy, frozenFresh, shallowCopy } = await import(dist('frozen.js'))
  // Builds since session 10 copy a payment with copyTransaction, as insertTransaction and transition do.
  const copyTransaction = existsSync(fileURLToPath(dist('transaction-copy.js'))) ? (await import(dist('transaction-copy.js'))).copyTransaction : shallowCopy
  const state = new StoreState()
  const changes = new ChangeSet()
  // As LowdbEngine.put does. Builds before the change set took the replaced version from the
  // store's own look-up tracked first, reading it from the table themselves.
  const put = readFileSync(fileURLToPath(dist('changes.js')), 'utf8').includes('track(c, key, replaced')
    ? (c, r, key) => changes.track(c, key, state.put(c, r, key), r)
    : (c, r, key) => (changes.track(state, c, key, r), state.put(c, r))
  put('accounts', frozenCopy({ id: 'acct_1', name: 'Shop', created_at: new Date().toISOString() }), 'acct_1')
  put('api_keys', frozenCopy({ id: 'key_1', hash: 'h', account_id: 'acct_1', mode: 'test', created_at: new Date().toISOString(), revoked_at: null }), 'key_1')
  changes.take(state)
  changes.written()
  let n = 0
  const push = () => {
    const i = ++n
    // The API key's and the account's reads: nothing of them waits to be written.
    changes.unwritten('api_keys', 'key_1')
    changes.unwritten('accounts', 'acct_1')
    const scope = `acct_1:test:push-${i}`
    if (state.get('idempotency', scope)) throw new Error('a key taken twice')
    // A payment as a push stores it: pending, none of Daraja's ids yet.
    const t = { ...transactionRecord({ accountId: 'acct_1', n: i }), merchant_request_id: null, checkout_request_id: null, customer_message: null }
    const createdAt = t.created_at
    const claim = { scope, fingerprint: 'f'.repeat(64), state: 'in_flight', status_code: null, response: null, transaction_id: t.id, created_at: createdAt }
    put('idempotency', frozenCopy(claim), scope)
    put('transactions', frozenFresh(copyTransaction(t)), t.id)
    changes.unwritten('transactions', t.id)
    const ids = { merchant_request_id: `29115-${i}-1`, checkout_request_id: `ws_CO_${i}`, customer_message: 'Success. Request accepted for processing' }
    // As transition() makes the new version: a spread before session 10, copyTransaction and the change laid over it since.
    const pushed = copyTransaction === shallowCopy ? { ...state.get('transactions', t.id), ...ids } : Object.assign(copyTransaction(state.get('transactions', t.id)), ids)
    put('transactions', frozenFresh(pushed), t.id)
    put('idempotency', frozenCopy({ ...claim, state: 'done', status_code: 201, response: { MerchantRequestID: `29115-${i}-1`, CheckoutRequestID: `ws_CO_${i}`, ResponseCode: '0' } }), scope)
    // A flush every 50 pushes (50 in flight share one under load).
    if (i % 50 === 0) {
      changes.written()
      changes.take(state)
    }
  }
  for (let i = 0; i < 5_000; i++) push()
  const before = process.cpuUsage()
  for (let i = 0; i < pushes; i++) push()
  const used = process.cpuUsage(before)
  console.log(JSON.stringify({ us_per_push: Math.round(((used.user + used.system) / pushes) * 100) / 100 }))
}
