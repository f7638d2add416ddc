import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { verifyWebhookSignature } from '../../src/index.js'
import { startCallbackReceiver, type CallbackReceiver, type ReceivedRequest } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint, bodyOf, createAccountWithKey, finishedTimeline, listDeliveries, seedSnippetAccepts } from './helpers.js'

let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined

afterEach(async () => {
  await gw?.close()
  await receiver?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
  receiver = undefined
})

/** Every check a receiver can make: the seed's snippet, the standardwebhooks package, our verifier, header/body agreement. */
function expectAuthentic(r: ReceivedRequest, secret: string) {
  expect(seedSnippetAccepts(secret, r)).toBe(true)
  expect(new Webhook(secret).verify(r.raw.toString('utf8'), r.headers as Record<string, string>)).toEqual(r.json)
  expect(verifyWebhookSignature({ rawBody: r.raw, signature: r.headers['x-mpesa-gateway-signature'], secret })).toBe(true)
  const body = bodyOf(r)
  expect(r.method).toBe('POST')
  expect(r.headers['content-type']).toBe('application/json')
  expect(r.headers['x-mpesa-gateway-event']).toBe(body.event)
  expect(r.headers['webhook-id']).toBe(body.id)
  expect(body.id).toMatch(/^evt_/)
  expect(Number.isNaN(Date.parse(body.created_at))).toBe(false)
  expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60)
}

async function push(gateway: TestGateway, phone: string, auth?: string): Promise<string> {
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }), auth })
  expect(res.status).toBe(201)
  return ((await res.json()) as { transaction_id: string }).transaction_id
}

const ofType = (type: string) => (r: ReceivedRequest) => bodyOf(r).event === type

describe('events from real flows, delivered and verifiable', () => {
  it('payment.success (with mpesa_receipt) and payout.success for an M-Pesa payout phone', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway()
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`)
    const txn = await push(gw, '254708374149')
    const got = await receiver.waitFor(2)
    expect(got.map((r) => bodyOf(r).event)).toEqual(['payment.success', 'payout.success'])
    for (const r of got) {
      expectAuthentic(r, endpoint.secret)
      expect(r.path).toBe('/hooks')
      expect(bodyOf(r).data.transaction_id).toBe(txn)
    }
    const paid = bodyOf(got[0]).data
    expect(paid.mpesa_receipt).toMatch(/^[A-Z0-9]{10}$/)
    expect(paid.status).toBe('success')
    expect(paid.amount).toBe(100)
    const payout = bodyOf(got[1]).data
    expect(payout.status).toBe('success')
    expect(payout.destination).toEqual({ type: 'mpesa', phone: '254708374149' })
    const deliveries = await listDeliveries(gw, endpoint.id)
    await waitFor(async () => (await listDeliveries(gw!, endpoint.id)).every((d) => d.status === 'succeeded'), { what: 'deliveries recorded' })
    expect(deliveries).toHaveLength(2)
  })

  it('payment.failed for a cancelled prompt (254700000001), with no payout', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway()
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`)
    const txn = await push(gw, '254700000001')
    const [r] = await receiver.waitFor(1)
    expectAuthentic(r, endpoint.secret)
    expect(bodyOf(r).event).toBe('payment.failed')
    expect(bodyOf(r).data.result_code).toBe('1032')
    // Daraja has nothing more to send, and the payment's one event has no delivery still to come.
    await gw.emulator!.settle()
    expect((await finishedTimeline(gw, txn)).map((e) => e.event)).toEqual(['payment.failed'])
    expect(receiver.received()).toHaveLength(1)
  })

  it('payout.failed when the B2C to the payout phone fails (254700000003)', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway()
    const { key } = await createAccountWithKey(gw, 'Failing payouts', { type: 'mpesa', phone: '254700000003' })
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`, { auth: key })
    const txn = await push(gw, '254712345678', key)
    const [r] = await receiver.waitFor(1, { filter: ofType('payout.failed') })
    expectAuthentic(r, endpoint.secret)
    expect(bodyOf(r).data.status).toBe('failed')
    expect(bodyOf(r).data.result_desc).toEqual(expect.any(String))
    // The events are stored in order; their deliveries run side by side (several per endpoint), so
    // which reaches the receiver first rests only on the B2C result's delay: compare them unordered.
    expect((await finishedTimeline(gw, txn, key)).map((e) => e.event)).toEqual(['payment.success', 'payout.failed'])
    expect((await receiver.waitFor(2)).map((x) => bodyOf(x).event).sort()).toEqual(['payment.success', 'payout.failed'])
  })

  it('payout.pending_manual for a paybill payout account', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway()
    const { key } = await createAccountWithKey(gw, 'Paybill merchant', { type: 'paybill', paybill: '522522', account_number: '1234567' })
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`, { auth: key })
    await push(gw, '254708374149', key)
    const got = await receiver.waitFor(2)
    // Both events come from one change, delivered side by side: in either order.
    expect(got.map((r) => bodyOf(r).event).sort()).toEqual(['payment.success', 'payout.pending_manual'])
    for (const r of got) expectAuthentic(r, endpoint.secret)
    const payout = got.find((r) => bodyOf(r).event === 'payout.pending_manual')!
    expect(bodyOf(payout).data.status).toBe('pending_manual')
    expect(bodyOf(payout).data.destination).toEqual({ type: 'paybill', paybill: '522522', account_number: '1234567' })
  })

  it("honours an endpoint's event filter and never crosses accounts", async () => {
    receiver = await startCallbackReceiver()
    const other = await startCallbackReceiver()
    try {
      gw = await startTestGateway()
      const filtered = await addEndpoint(gw, `${receiver.url}/only-payouts`, { events: ['payout.success'] })
      const { key } = await createAccountWithKey(gw, 'Other', { type: 'mpesa', phone: '254712345678' })
      await addEndpoint(gw, `${other.url}/other`, { auth: key })
      const txn = await push(gw, '254708374149')
      const [r] = await receiver.waitFor(1)
      expect(bodyOf(r).event).toBe('payout.success')
      expectAuthentic(r, filtered.secret)
      await gw.emulator!.settle()
      // Both events exist, only payout.success was for the filtered endpoint, and nothing is still to come.
      const timeline = await finishedTimeline(gw, txn)
      expect(timeline.map((e) => [e.event, e.deliveries.map((d) => d.endpoint_id)])).toEqual([
        ['payment.success', []],
        ['payout.success', [filtered.id]],
      ])
      expect(receiver.received()).toHaveLength(1)
      expect(other.received()).toHaveLength(0)
    } finally {
      await other.close()
    }
  })
})

describe('exactly one event per state change', () => {
  it('duplicate STK callbacks and callback/reconciliation races: one payment.success, one payout.success, one B2C each', async () => {
    receiver = await startCallbackReceiver()
    // Transactions older than 50 ms are queried every 50 ms: the reconciler races every callback.
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '0.05', MPG_EMULATOR_CALLBACK_DELAY_MS: '60' } })
    const em = gw.emulator!
    await addEndpoint(gw, `${receiver.url}/hooks`)
    const start = async (phone: string) => {
      const res = await gw!.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }) })
      expect(res.status).toBe(201)
      return (await res.json()) as { transaction_id: string; checkout_request_id: string }
    }
    const duplicated = await start('254700000007')
    const held = [await start('254700000008'), await start('254700000008')]
    // Let the reconciler see the held ones as due, then finish them while it queries: the
    // callback (sent twice by the fault) and the STK Query answer race to finalize each.
    await waitFor(() => em.requests().filter((q) => q.endpoint === 'stk_query').length >= 2, { what: 'reconciler queries' })
    em.setFault({ kind: 'callback', action: 'duplicate' })
    for (const h of held) em.resolve(h.checkout_request_id, 0)
    await Promise.all([gw.reconciler.runOnce(), receiver.waitFor(6)])
    await em.settle()
    await gw.reconciler.runOnce()
    await em.settle()
    // Every state change is stored by now; once their deliveries are finished the receiver has all it will get.
    for (const t of [duplicated, ...held]) {
      expect((await finishedTimeline(gw, t.transaction_id)).map((e) => e.event), t.transaction_id).toEqual(['payment.success', 'payout.success'])
    }

    const stkCallbacks = em.callbacks().filter((c) => c.kind === 'stk')
    for (const t of [duplicated, ...held]) {
      expect(stkCallbacks.filter((c) => c.transaction_id === t.checkout_request_id).length, t.checkout_request_id).toBeGreaterThanOrEqual(2)
    }
    const events = receiver.received().map((r) => bodyOf(r))
    for (const t of [duplicated, ...held]) {
      const mine = events.filter((e) => e.data.transaction_id === t.transaction_id).map((e) => e.event)
      expect(mine.sort(), t.transaction_id).toEqual(['payment.success', 'payout.success'])
    }
    expect(events).toHaveLength(6)
    expect(new Set(events.map((e) => e.id)).size).toBe(6)
    const b2c = em.requests().filter((q) => q.endpoint === 'b2c_v1' || q.endpoint === 'b2c_v3')
    expect(b2c).toHaveLength(3)
  })
})
