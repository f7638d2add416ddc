import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { FaultInput } from '../../emulator/faults.js'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { freePort } from '../helpers/free-port.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { mountSmallDisk, smallDiskUnavailable, useUpJournalSlack, type SmallDisk } from '../helpers/small-disk.js'
import { testStore } from '../helpers/store-env.js'
import { finishedTimeline } from '../webhooks/helpers.js'
import { cutWritesAfter, type WriteMethod } from './write-cut.js'

// A real full disk needs the embedded store (PostgreSQL's files are not on it).
const unavailable = testStore === 'postgres' ? 'the store under test is PostgreSQL' : smallDiskUnavailable()
let disk: SmallDisk | undefined
let emulator: RunningEmulator | undefined
const gateways: TestGateway[] = []

afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  await emulator?.close()
  emulator = undefined
  disk?.close()
  disk = undefined
})

/** A prompt to this phone waits until the test answers it (emulator.resolve): the callback comes when the test says. */
const HELD_PHONE = '254700000008'
/** The default account's payout phone (bootstrap): its B2C's result delay is set per case. */
const PAYOUT_PHONE = '254708374149'

interface Window {
  /** Writes of the flow that reach the disk; the next one fails (ENOSPC) and the gateway stops. */
  pass: number
  /** The write that fails, as the flow makes it today (checked, so the case keeps naming its window). */
  cut: WriteMethod
  what: string
  /** The B2C result's delay: past the ack's wait (1 s) the ack is stored on its own first. */
  b2cResultMs: number
  /** What Daraja does wrong on the way, for the windows of a payout's retry and status check. */
  fault?: FaultInput
}

// The whole flow's writes: the payment with its key's claim; Daraja's answer and the key's outcome
// (two calls, one group commit); the callback's final state with its payout planned; the B2C's
// ack (alone when its result is late); the B2C's result.
const WINDOWS: Window[] = [
  { pass: 0, cut: 'insertTransaction', what: 'the payment and its key before Daraja is called', b2cResultMs: 100 },
  { pass: 1, cut: 'transition', what: "Daraja's answer to the push (Daraja has the push)", b2cResultMs: 100 },
  { pass: 2, cut: 'saveIdempotency', what: "the key's outcome, after Daraja's answer is stored", b2cResultMs: 100 },
  { pass: 3, cut: 'transition', what: "the callback's success, with the payout it owes", b2cResultMs: 100 },
  { pass: 4, cut: 'transition', what: "the B2C's result with its ack (Daraja paid the payout)", b2cResultMs: 100 },
  { pass: 4, cut: 'transition', what: "the B2C's ack alone (Daraja took the B2C, its result is late)", b2cResultMs: 1500 },
  { pass: 5, cut: 'transition', what: "the B2C's late result, its ack stored", b2cResultMs: 1500 },
  // A B2C refused once (a transient 500): the next attempt's schedule is the fifth write.
  { pass: 4, cut: 'transition', what: 'the retry schedule of a B2C Daraja refused', b2cResultMs: 100, fault: { kind: 'error', endpoint: 'b2c', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error', count: 1 } },
  // A B2C result that never comes: the ack alone, then the Transaction Status query counted before it is asked, then its answer.
  { pass: 5, cut: 'transition', what: 'the count of a Transaction Status query about a lost result', b2cResultMs: 100, fault: { kind: 'callback', action: 'drop', target: 'b2c_result', count: 1 } },
  { pass: 6, cut: 'transition', what: "Transaction Status's answer that the B2C was paid", b2cResultMs: 100, fault: { kind: 'callback', action: 'drop', target: 'b2c_result', count: 1 } },
]

type Tx = { id: string; status: string; result_code: string | null; payout: { status: string; mpesa_receipt: string | null } | null }

describe.skipIf(unavailable)('the payment flow with its disk filling after each of its writes in turn (a real tmpfs, a Daraja that outlives the gateway)', () => {
  it.each(WINDOWS)('$cut fails after $pass writes ($what): after the restart one payment, success, one event each, one B2C paid', async (window) => {
    emulator = await startEmulator({ callbackDelayMs: 30 })
    emulator.setScenario({ product: 'b2c', phone: PAYOUT_PHONE, delay_ms: window.b2cResultMs })
    if (window.fault) emulator.setFault(window.fault)
    disk = mountSmallDisk()
    const dataDir = join(disk.dir, 'data')
    mkdirSync(dataDir)
    // One port for both runs: the callback URLs Daraja was given stay valid across the restart.
    const env = {
      DARAJA_ENV: 'emulator',
      DARAJA_BASE_URL: emulator.url,
      PORT: String(await freePort()),
      MPG_RECONCILE_AFTER_S: '1',
      MPG_PAYOUT_STATUS_AFTER_S: '1',
    }
    const first = await startTestGateway({ env, dataDir })
    gateways.push(first)
    const key = first.key
    const store = first.context.store
    const cut = cutWritesAfter(store, window.pass, async () => {
      await useUpJournalSlack(store, join(dataDir, 'gateway.journal'))
      disk!.fill()
    })
    const body = stkBody({ phone: HELD_PHONE, amount: 1000, reference: `CUT-${window.pass}` })
    const push = () => fetch(`${first.url}/api/v1/stk-push`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'cut-1' }, body: JSON.stringify(body) })
    const stkPushes = () => emulator!.requests().filter((r) => r.endpoint === 'stk_push')
    const checkoutAtDaraja = () => (stkPushes()[0]?.response.body as { CheckoutRequestID?: string } | undefined)?.CheckoutRequestID
    const answered = await push()
    // The customer pays once the push is answered, if the cut has not come yet (a later write's window).
    const resolvedBefore = answered.status === 201
    if (resolvedBefore) emulator.resolve(checkoutAtDaraja()!, 0)
    expect(await cut.happened, `the writes called: ${cut.called.join(', ')}`).toBe(window.cut)
    await expect(first.failed).resolves.toBeInstanceOf(Error)
    await first.close()
    gateways.splice(0)

    disk.free()
    const second = await startTestGateway({ env, dataDir })
    gateways.push(second)
    const api = (path: string, init: RequestInit & { json?: unknown } = {}) => second.api(path, { ...init, auth: key })
    // The client retries with the same key: a payment Daraja has is replayed, one it never got is made now.
    const retry = await api('/api/v1/stk-push', { method: 'POST', json: body, headers: { 'idempotency-key': 'cut-1' } })
    expect(retry.status, await retry.clone().text()).toBe(window.pass === 0 ? 201 : 200)
    const { transaction_id } = (await retry.json()) as { transaction_id: string }
    expect(stkPushes()).toHaveLength(1)
    if (!resolvedBefore) emulator.resolve(checkoutAtDaraja()!, 0)

    const t = await waitFor(
      async () => {
        const read = ((await (await api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: Tx }).transaction
        return read.status !== 'pending' && read.payout && read.payout.status !== 'pending' ? read : undefined
      },
      { timeoutMs: 20_000, what: 'the payment and its payout to be final' },
    )
    expect(t).toMatchObject({ status: 'success', result_code: '0', payout: { status: 'success' } })
    const list = (await (await api('/api/v1/transactions')).json()) as { data: Tx[] }
    expect(list.data.map((x) => x.id)).toEqual([transaction_id])
    const timeline = await finishedTimeline(second, transaction_id, key)
    expect(timeline.map((e) => e.event)).toEqual(['payment.success', 'payout.success'])
    // At most one B2C paid: any second one was Daraja's duplicate refusal (same OriginatorConversationID).
    const b2c = emulator.requests().filter((r) => r.endpoint === 'b2c_v3' || r.endpoint === 'b2c_v1')
    expect(b2c.filter((r) => r.status === 200)).toHaveLength(1)
    expect(new Set(b2c.map((r) => (r.request.body as { OriginatorConversationID: string }).OriginatorConversationID)).size).toBe(1)
  })
})

