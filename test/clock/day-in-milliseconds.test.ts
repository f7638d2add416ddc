// "A day of retries in milliseconds" (#17): a gateway and its emulator on one virtual clock, walked
// through webhook retries, endpoint disabling, prompt expiry, Idempotency-Key expiry,
// reconciliation and payout retries by advancing time, each step asserted on what a user can observe.
import { afterEach, describe, expect, it } from 'vitest'
import { createVirtualClock, type VirtualClock } from '../../src/utils/virtual-clock.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint, listDeliveries } from '../webhooks/helpers.js'

const START = Date.parse('2026-03-02T06:00:00.000Z')
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  await receiver?.close()
  gw = receiver = undefined
})

async function startOnClock(clock: VirtualClock, env: Record<string, string> = {}): Promise<TestGateway> {
  gw = await startTestGateway({ clock, env })
  return gw
}

async function push(g: TestGateway, overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await g.api('/api/v1/stk-push', { method: 'POST', json: stkBody(overrides), headers })
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as { transaction_id: string } }
}

async function transaction(g: TestGateway, id: string) {
  const res = await g.api(`/api/v1/transactions/${id}`)
  return ((await res.json()) as { transaction: { status: string; payout: { status: string; attempts?: number } | null } }).transaction
}

describe('virtual clock: a day in milliseconds', () => {
  it('a failing webhook endpoint: every retry at its time through the day, then disabled after 24 h of failures', async () => {
    const clock = createVirtualClock(START)
    // A day of retries: 1 min, 10 min, 1 h, 6 h after the first attempt's failures.
    const g = await startOnClock(clock, { MPG_WEBHOOK_RETRY_DELAYS_MS: `${MINUTE},${10 * MINUTE},${HOUR},${6 * HOUR}` })
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 500, body: 'down' })
    const endpoint = await addEndpoint(g, `${receiver.url}/hooks`, { events: ['payment.success'] })

    const first = await push(g)
    expect(first.status).toBe(201)
    // Time stands still: the emulator's callback (due 30 ms later on the same clock) has not come.
    await clock.settle()
    expect((await transaction(g, first.body.transaction_id)).status).toBe('pending')
    // The emulator's callback (a second away on the same clock) pays it; the first attempt follows at once.
    await clock.advance(1000)
    expect((await transaction(g, first.body.transaction_id)).status).toBe('success')
    expect(receiver.received()).toHaveLength(1)

    const report = await clock.advance(DAY)
    expect(report.ran['webhook.attempt']).toBe(4)
    expect(receiver.received()).toHaveLength(5)
    const [delivery] = await listDeliveries(g, endpoint.id)
    expect(delivery.status).toBe('failed')
    // Each attempt exactly its delay after the one before, on the clock.
    const t0 = Date.parse(delivery.attempts[0].at)
    expect(delivery.attempts.map((a) => Date.parse(a.at) - t0)).toEqual([0, MINUTE, 11 * MINUTE, 71 * MINUTE, 431 * MINUTE])
    expect(delivery.attempts.every((a) => a.status_code === 500)).toBe(true)
    // Failing for 7 h 11 min so far: not disabled yet.
    const endpointNow = async () => ((await (await g.api('/api/v1/webhooks')).json()) as { data: Array<{ id: string; disabled_at: string | null }> }).data.find((e) => e.id === endpoint.id)
    expect((await endpointNow())?.disabled_at).toBeNull()
    expect((await g.context.store.getWebhookEndpoint(endpoint.id))?.failing_since).toBe(delivery.attempts[0].at)

    // A day after the first failure, the next failed attempt disables the endpoint.
    const second = await push(g, { reference: 'ORDER-2' })
    await clock.advance(1000)
    expect(receiver.received()).toHaveLength(6)
    const disabledAt = (await endpointNow())?.disabled_at
    expect(Date.parse(disabledAt!) - t0).toBeGreaterThanOrEqual(DAY)
    const events = await g.context.store.listEventsAfter(g.bootstrap!.account_id, 'test', 0, 100)
    expect(events.filter((e) => e.event === 'webhook_endpoint.disabled')).toHaveLength(1)

    // Disabled: its pending retries are dropped, and nothing more is sent however long we wait.
    await clock.advance(2 * DAY)
    expect(receiver.received()).toHaveLength(6)
    const deliveries = await listDeliveries(g, endpoint.id)
    expect(deliveries.find((d) => d.event_id !== delivery.event_id)?.status).toBe('failed')
    expect((await transaction(g, second.body.transaction_id)).status).toBe('success')
  })

  it('a prompt nobody answers expires on the clock: the sandbox profile’s 1037 after 26 s, not before', async () => {
    const clock = createVirtualClock(START)
    const g = await startOnClock(clock, { MPG_EMULATOR_PROFILE: 'sandbox', MPG_EMULATOR_CALLBACK_DELAY_MS: '17000' })
    // The sandbox's generic test number: no one answers the prompt, Daraja gives up after ~26 s.
    const { body } = await push(g, { phone: '254708374149' })
    await clock.advance(25_000)
    expect((await transaction(g, body.transaction_id)).status).toBe('pending')
    await clock.advance(1_000)
    const t = (await (await g.api(`/api/v1/transactions/${body.transaction_id}`)).json()) as { transaction: { status: string; result_code: string | null } }
    expect(t.transaction).toMatchObject({ status: 'failed', result_code: '1037' })
  })

  it('an Idempotency-Key lives 24 h: replayed before, a new payment after', async () => {
    const clock = createVirtualClock(START)
    const g = await startOnClock(clock)
    const key = { 'idempotency-key': 'order-77-attempt-1' }
    const first = await push(g, {}, key)
    expect(first.status).toBe(201)
    await clock.advance(23 * HOUR)
    const replay = await push(g, {}, key)
    expect(replay).toMatchObject({ status: 200, replayed: 'true', body: { transaction_id: first.body.transaction_id } })
    await clock.advance(HOUR + 1000)
    const after = await push(g, {}, key)
    expect(after.status).toBe(201)
    expect(after.replayed).toBeNull()
    expect(after.body.transaction_id).not.toBe(first.body.transaction_id)
  })

  it('a payment whose callback never comes is settled by reconciliation once MPG_RECONCILE_AFTER_S has passed', async () => {
    const clock = createVirtualClock(START)
    const g = await startOnClock(clock, { MPG_RECONCILE_AFTER_S: '60' })
    g.emulator!.raceScenario('lost-callback', { phone: '254712345678' })
    const { body } = await push(g)
    await clock.advance(30_000)
    expect((await transaction(g, body.transaction_id)).status).toBe('pending')
    expect(g.emulator!.requests().filter((r) => r.endpoint === 'stk_query')).toHaveLength(0)
    await clock.advance(60_000)
    expect((await transaction(g, body.transaction_id)).status).toBe('success')
    expect(g.emulator!.callbacks().filter((c) => c.kind === 'stk')).toHaveLength(0)
    const events = await g.context.store.listEventsAfter(g.bootstrap!.account_id, 'test', 0, 100)
    expect(events.filter((e) => e.event === 'payment.success')).toHaveLength(1)
  })

  it('a payout walks its retry schedule while Daraja refuses, then is paid once', async () => {
    const clock = createVirtualClock(START)
    const g = await startOnClock(clock, { MPG_PAYOUT_RETRY_DELAYS_MS: `${MINUTE},${5 * MINUTE},${30 * MINUTE}` })
    g.emulator!.setFault({ kind: 'error', endpoint: 'b2c', status: 503, errorCode: '500.003.02', errorMessage: 'System is busy', count: 3 })
    const { body } = await push(g)
    await clock.advance(1000)
    let t = await transaction(g, body.transaction_id)
    expect(t.status).toBe('success')
    expect(t.payout).toMatchObject({ status: 'pending' })
    const b2cCalls = () => g.emulator!.requests().filter((r) => r.endpoint === 'b2c_v3').length
    expect(b2cCalls()).toBe(1)
    // Each retry comes after its delay (±25 % jitter), not before.
    await clock.advance(MINUTE * 0.7)
    expect(b2cCalls()).toBe(1)
    await clock.advance(MINUTE * 0.6)
    expect(b2cCalls()).toBe(2)
    await clock.advance(5 * MINUTE * 1.3)
    expect(b2cCalls()).toBe(3)
    // The fault is used up: the fourth attempt is taken and its result pays the payout.
    await clock.advance(30 * MINUTE * 1.3)
    expect(b2cCalls()).toBe(4)
    t = await transaction(g, body.transaction_id)
    expect(t.payout).toMatchObject({ status: 'success' })
    const events = await g.context.store.listEventsAfter(g.bootstrap!.account_id, 'test', 0, 100)
    expect(events.filter((e) => e.event === 'payout.success')).toHaveLength(1)
    await clock.advance(DAY)
    expect(b2cCalls()).toBe(4)
  })

  it('a B2C result that never comes: Transaction Status after MPG_PAYOUT_STATUS_AFTER_S settles it', async () => {
    const clock = createVirtualClock(START)
    const g = await startOnClock(clock, { MPG_PAYOUT_STATUS_AFTER_S: '120' })
    const account = await g.context.store.getAccount(g.bootstrap!.account_id)
    g.emulator!.raceScenario('b2c-result-lost', { phone: (account!.payout_account as { phone: string }).phone })
    const { body } = await push(g)
    await clock.advance(1000)
    const statusQueries = () => g.emulator!.requests().filter((r) => r.endpoint === 'transaction_status').length
    await clock.advance(100_000)
    expect((await transaction(g, body.transaction_id)).payout).toMatchObject({ status: 'pending' })
    expect(statusQueries()).toBe(0)
    await clock.advance(30_000)
    expect(statusQueries()).toBe(1)
    expect((await transaction(g, body.transaction_id)).payout).toMatchObject({ status: 'success' })
  })
})
