#!/usr/bin/env node
// The embedded store's CPU per full-flow payment, written as the gateway writes one (the payment
// with its Idempotency-Key claim; Daraja's ids with the key's outcome; the STK callback's success
// with its payout planned, its event and delivery; the B2C's ack and result with its event and
// delivery; each delivery leased and its attempt recorded), `--in-flight` payments at a time so
// that they share flushes as under load, journal and O_DSYNC appends and folds included. No HTTP,
// no signing: the part of the gateway's CPU per payment that the store's record versions cost.
// Several builds alternate, one fresh process per sample (5,000 payments of warm-up, then N).
//
//   node bench/store-flow.js [--payments N] [--in-flight C] [--pairs K] [--prof DIR] ROOT [ROOT…]
//
// ROOT: a checkout with dist/ built. Prints one JSON line per build: µs of CPU per payment (all
// threads, and the main thread alone), each sample, and the load average before each.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuMs, mainThreadCpuMs, median, round } from './lib/procs.js'

const { values, positionals: roots } = parseArgs({
  options: {
    payments: { type: 'string', default: '20000' },
    'in-flight': { type: 'string', default: '100' },
    pairs: { type: 'string', default: '3' },
    prof: { type: 'string' },
    child: { type: 'string' },
  },
  allowPositionals: true,
})
const payments = Number(values.payments)
const inFlight = Number(values['in-flight'])

if (values.child === undefined) {
  if (roots.length === 0) throw new Error('name at least one build root')
  const samples = new Map(roots.map((root) => [root, { all: [], main: [], load: [] }]))
  for (let k = 0; k < Number(values.pairs); k++) {
    for (const root of k % 2 ? [...roots].reverse() : roots) {
      const load = round(loadavg()[0], 2)
      const prof = values.prof ? ['--cpu-prof', `--cpu-prof-dir=${values.prof}`] : []
      const out = execFileSync(process.execPath, [...prof, fileURLToPath(import.meta.url), '--child', root, '--payments', String(payments), '--in-flight', String(inFlight)], { encoding: 'utf8' })
      const { all_us, main_us } = JSON.parse(out)
      const s = samples.get(root)
      s.all.push(all_us)
      s.main.push(main_us)
      s.load.push(load)
    }
  }
  for (const [root, s] of samples) {
    console.log(JSON.stringify({ build: root, median_us_per_payment: median(s.all), median_main_us_per_payment: median(s.main), samples_us: s.all, main_us: s.main, loadavg: s.load }))
  }
} else {
  const root = values.child
  const dist = (path) => pathToFileURL(join(root, 'dist/src', path)).href
  const { LowdbStore } = await import(dist('store/lowdb-store.js'))
  const { deliversTo } = await import(dist('webhooks/subscriptions.js'))
  const { planPayout } = await import(dist('core/payouts.js'))
  const { paymentEvent, payoutEvent } = await import(dist('core/event-data.js'))
  const dir = mkdtempSync(join(tmpdir(), 'mpg-store-flow-'))
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
  await store.open()
  const now = () => new Date().toISOString()
  await store.createWebhookEndpoint({ id: 'we_flow', account_id: 'acct_1', mode: 'test', url: 'https://example.com/hook', events: ['payment.success', 'payment.failed', 'payout.success', 'payout.failed'], sealed_secret: 'x'.repeat(80), created_at: now(), deleted_at: null })
  const destination = { type: 'mpesa', phone: '254708374149' }

  const one = async (i) => {
    const id = `${String(i).padStart(8, '0')}-4b1e-4c3a-9d7e-5f0a1b2c3d4e`
    const scope = `acct_1:test:key-${i}`
    const t = {
      id, account_id: 'acct_1', mode: 'test', reference: 'ORDER-1234', description: 'T-shirt', phone: '254708374149',
      amount: 100, platform_fee: 1.5, net_amount: 98.5, status: 'pending', merchant_request_id: null, checkout_request_id: null,
      customer_message: null, mpesa_receipt_number: null, result_code: null, result_desc: null, callback_token: `tok_${i}_${'x'.repeat(30)}`,
      created_at: now(), completed_at: null, payout: null, daraja_error: null,
    }
    const claim = { scope, fingerprint: 'f'.repeat(64), state: 'in_flight', status_code: null, response: null, transaction_id: id, created_at: t.created_at }
    await store.insertTransaction(t, { idempotency: claim })
    await Promise.all([
      store.transition({ transactionId: id, guard: (x) => x.checkout_request_id === null, patch: () => ({ merchant_request_id: `29115-${i}-1`, checkout_request_id: `ws_CO_${i}_30112026`, customer_message: 'Success. Request accepted for processing' }) }),
      store.saveIdempotency({ ...claim, state: 'done', status_code: 201, response: null }),
    ])
    const paid = await store.transition({
      transactionId: id, guard: (x) => x.status === 'pending',
      patch: (x) => ({ status: 'success', mpesa_receipt_number: `SAB${i}`, result_code: '0', result_desc: 'The service request is processed successfully.', completed_at: now(), payout: planPayout(destination, x, `ptok_${i}_${'y'.repeat(30)}`, now()) }),
      events: (x) => [paymentEvent(x)],
    })
    const settled = await store.transition({
      transactionId: id, guard: (x) => x.payout?.status === 'pending',
      patch: (x) => ({ payout: { ...x.payout, conversation_id: `AG_${i}`, attempts: 1, status: 'success', result_code: '0', result_desc: 'The service request is processed successfully.', mpesa_receipt: `B2C${i}`, next_attempt_at: null, status_due_at: null, updated_at: now() } }),
      events: (x) => [payoutEvent(x)],
    })
    for (const d of [...paid.deliveries, ...settled.deliveries]) {
      const leased = await store.claimDelivery(d.id, 'worker', 60_000)
      if (!leased) throw new Error('delivery not leased')
      const attempt = { at: now(), status_code: 200, duration_ms: 3, error: null, response_body: 'ok' }
      await store.completeDelivery(d.id, 'worker', (c) => ({ ...c, status: 'succeeded', attempts: c.attempts.concat(attempt), next_attempt_at: null, updated_at: now() }))
    }
  }
  const run = async (from, count) => {
    let next = from
    const worker = async () => {
      while (next < from + count) await one(next++)
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
  }
  await run(0, 5000)
  const all = cpuMs(process.pid)
  const main = mainThreadCpuMs(process.pid)
  await run(5000, payments)
  process.stdout.write(`${JSON.stringify({ all_us: round(((cpuMs(process.pid) - all) * 1000) / payments, 1), main_us: round(((mainThreadCpuMs(process.pid) - main) * 1000) / payments, 1) })}\n`)
  await store.close()
}
