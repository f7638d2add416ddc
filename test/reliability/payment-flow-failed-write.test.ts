import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { FaultInput } from '../../emulator/faults.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'
import { finishedTimeline } from '../webhooks/helpers.js'
import { failOneWriteAfter, type WriteMethod } from './write-cut.js'

const gateways: TestGateway[] = []
const drops: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  for (const drop of drops.splice(0)) await drop()
})

/** A prompt to this phone waits until the test answers it (emulator.resolve). */
const HELD_PHONE = '254700000008'

interface Window {
  /** Writes of the flow that succeed before the one that fails; every later one succeeds again. */
  pass: number
  /** The write that fails, as the flow makes it today (checked, so the case keeps naming its window). */
  fails: WriteMethod
  what: string
  /** What Daraja does wrong on the way, for the windows of a payout's retry and status check. */
  fault?: FaultInput
}

// On PostgreSQL a write can fail (the database stops answering for a moment) while the process
// goes on: no restart runs start-up recovery, so whatever one failed write leaves must be settled
// by the running gateway itself. The flow's writes on a shared store: the payment with its key's
// claim; Daraja's answer and the key's outcome (two statements); the callback's success with its
// payout; the B2C's ack (never held for its result on a shared store); the B2C's result.
const WINDOWS: Window[] = [
  { pass: 0, fails: 'insertTransaction', what: 'the payment and its key' },
  { pass: 1, fails: 'transition', what: "Daraja's answer to the push" },
  { pass: 2, fails: 'saveIdempotency', what: "the key's outcome" },
  { pass: 3, fails: 'transition', what: "the callback's success with its payout" },
  { pass: 4, fails: 'transition', what: "the B2C's ack" },
  { pass: 5, fails: 'transition', what: "the B2C's result" },
  { pass: 4, fails: 'transition', what: 'the retry schedule of a B2C Daraja refused', fault: { kind: 'error', endpoint: 'b2c', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error', count: 1 } },
  { pass: 5, fails: 'transition', what: 'the count of a Transaction Status query about a lost result', fault: { kind: 'callback', action: 'drop', target: 'b2c_result', count: 1 } },
  { pass: 6, fails: 'transition', what: "Transaction Status's answer that the B2C was paid", fault: { kind: 'callback', action: 'drop', target: 'b2c_result', count: 1 } },
]

type Tx = { id: string; status: string; result_code: string | null; payout: { status: string } | null }

async function gatewayOnPostgres(): Promise<TestGateway> {
  const db = await freshDatabase()
  drops.push(db.drop)
  const gw = await startTestGateway({
    env: {
      DATABASE_URL: db.url,
      MPG_SEAL_KEY: randomBytes(32).toString('base64'),
      MPG_ADMIN_TOKEN: `mpg_admin_${randomBytes(20).toString('hex')}`,
      MPG_RECONCILE_AFTER_S: '1',
      MPG_PAYOUT_STATUS_AFTER_S: '1',
      // A key left in flight on a shared store is settled once no request can still hold it
      // (twice Daraja's timeout and 10 s): short here, so a case ends within its time. Not below
      // 2 s: with 500 ms a loaded machine's push timed out (502) where the case needs Daraja's answer.
      DARAJA_TIMEOUT_MS: '2000',
    },
  })
  gateways.push(gw)
  return gw
}

describe.skipIf(!pgServerUrl)('the payment flow on PostgreSQL with one of its writes failing, the gateway running on', () => {
  it.each(WINDOWS)('$fails fails after $pass writes ($what): one payment, success, one event each, one B2C paid, the key replays it', async (window) => {
    const gw = await gatewayOnPostgres()
    const emulator = gw.emulator!
    if (window.fault) emulator.setFault(window.fault)
    const fault = failOneWriteAfter(gw.context.store, window.pass)
    const body = stkBody({ phone: HELD_PHONE, amount: 1000, reference: `FAIL-${window.pass}` })
    const push = () => gw.api('/api/v1/stk-push', { method: 'POST', json: body, headers: { 'idempotency-key': 'fail-1' } })
    const stkPushes = () => emulator.requests().filter((r) => r.endpoint === 'stk_push')
    const first = await push()
    if (first.status === 201) emulator.resolve((stkPushes()[0].response.body as { CheckoutRequestID: string }).CheckoutRequestID, 0)
    expect(await fault.happened, `the writes called: ${fault.called.join(', ')}`).toBe(window.fails)

    // The client retries a push that was not answered 201 with the same key until it is answered:
    // one Daraja never got is made now; one it has is replayed (once its key is settled).
    let transactionId: string | undefined
    if (first.status === 201) transactionId = ((await first.json()) as { transaction_id: string }).transaction_id
    else {
      const retried = await waitFor(
        async () => {
          const res = await push()
          return res.status === 200 || res.status === 201 ? res : undefined
        },
        { timeoutMs: 25_000, intervalMs: 500, what: 'the retry with the same key to be answered' },
      )
      expect(retried.status).toBe(window.pass === 0 ? 201 : 200)
      transactionId = ((await retried.json()) as { transaction_id: string }).transaction_id
      const checkout = (stkPushes().at(-1)!.response.body as { CheckoutRequestID: string }).CheckoutRequestID
      emulator.resolve(checkout, 0)
    }
    expect(stkPushes()).toHaveLength(1)

    const t = await waitFor(
      async () => {
        const read = ((await (await gw.api(`/api/v1/transactions/${transactionId}`)).json()) as { transaction: Tx }).transaction
        return read.status !== 'pending' && read.payout && read.payout.status !== 'pending' ? read : undefined
      },
      { timeoutMs: 25_000, what: 'the payment and its payout to be final' },
    )
    expect(t).toMatchObject({ status: 'success', result_code: '0', payout: { status: 'success' } })
    const list = (await (await gw.api('/api/v1/transactions')).json()) as { data: Tx[] }
    expect(list.data.map((x) => x.id)).toEqual([transactionId])
    const timeline = await finishedTimeline(gw, transactionId!)
    expect(timeline.map((e) => e.event)).toEqual(['payment.success', 'payout.success'])
    const b2c = emulator.requests().filter((r) => r.endpoint === 'b2c_v3' || r.endpoint === 'b2c_v1')
    expect(b2c.filter((r) => r.status === 200)).toHaveLength(1)
    // And the key keeps naming it.
    const replay = await push()
    expect(replay.status).toBe(200)
    expect(((await replay.json()) as { transaction_id: string }).transaction_id).toBe(transactionId)
  }, 60_000)

  it("a refused push whose key's release fails: the payment is failed with Daraja's refusal, the key is released by the running gateway, the retry is a new attempt", async () => {
    const gw = await gatewayOnPostgres()
    const refusal = { status: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid PhoneNumber' }
    gw.emulator!.setFault({ kind: 'error', endpoint: 'stk_push', ...refusal, count: 1 })
    // The payment with its claim, the refusal, then the key's release: that one fails.
    const fault = failOneWriteAfter(gw.context.store, 2)
    const body = stkBody({ reference: 'REFUSED-1' })
    const push = () => gw.api('/api/v1/stk-push', { method: 'POST', json: body, headers: { 'idempotency-key': 'refused-1' } })
    expect((await push()).status).toBe(503)
    const retried = await waitFor(
      async () => {
        const res = await push()
        return res.status === 409 ? undefined : res
      },
      { timeoutMs: 25_000, intervalMs: 500, what: 'the key to be released' },
    )
    expect(retried.status, await retried.clone().text()).toBe(201)
    const list = (await (await gw.api('/api/v1/transactions')).json()) as { data: Array<Tx & { reference: string; result_desc: string | null }> }
    const retriedId = ((await retried.json()) as { transaction_id: string }).transaction_id
    const refused = list.data.find((x) => x.id !== retriedId)!
    expect(refused).toMatchObject({ status: 'failed', result_code: refusal.errorCode, result_desc: refusal.errorMessage })
    expect((await finishedTimeline(gw, refused.id)).map((e) => e.event)).toEqual(['payment.failed'])
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(2)
    expect(await fault.happened, `the writes called: ${fault.called.join(', ')}`).toBe('deleteIdempotency')
  }, 60_000)
})
