import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhookSignature } from '../../src/webhooks/signature.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { waitFor } from '../helpers/gateway.js'
import { pgServerUrl } from '../helpers/postgres.js'
import { deployTarget, type Call, type Target, type TargetKind } from './targets.js'

interface Transaction {
  id: string
  status: string
  mpesa_receipt_number: string | null
  payout: { status: string; mpesa_receipt: string | null } | null
}
interface Summary {
  leader: boolean
  deliveries: { attempted: number; succeeded: number; retrying: number; failed: number }
  payments: { checked: number; settled: number }
  payouts: { sent: number; status_checked: number }
}

/**
 * One whole payment through each way of deploying the gateway, with the same steps and the same
 * expectations: STK push, Daraja's callback, the webhook (through `cron/tick`), the B2C payout
 * settled. The fetch handler is called with Request objects (no server of its own); `mpg serve`
 * is a real server. Where they differ (background work in-process or not), the test says so.
 */
describe.skipIf(pgServerUrl === null).each<TargetKind>(['fetch handler', 'mpg serve'])('a payment through %s on PostgreSQL', (kind) => {
  let target: Target
  let receiver: CallbackReceiver
  let key: string
  let secret: string
  let transactionId: string
  const ticks: Summary[] = []

  const tick = (auth: string | null, call: Call = target.call) => call('/api/v1/cron/tick', { method: 'POST', auth })
  const runTick = async (call: Call = target.call) => {
    const res = await tick(target.env.MPG_CRON_SECRET, call)
    expect(res.status).toBe(200)
    const summary = (await res.json()) as Summary
    ticks.push(summary)
    return summary
  }
  const transaction = async (id = transactionId) => ((await (await target.call(`/api/v1/transactions/${id}`, { auth: key })).json()) as { transaction: Transaction }).transaction
  const hooks = (event: string) => receiver.received().filter((r) => (r.json as { event?: string } | undefined)?.event === event)

  beforeAll(async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 200, body: 'ok' })
    target = await deployTarget(kind)
  })
  afterAll(async () => {
    await target?.close()
    await receiver?.close()
  })

  it('answers /health from PostgreSQL, and the admin API creates an account with a key', async () => {
    const health = await target.call('/health')
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', store: { kind: 'postgres', reachable: true } })
    const admin = target.env.MPG_ADMIN_TOKEN
    const account = await target.call('/api/v1/admin/accounts', { method: 'POST', auth: admin, json: { name: 'Shop', payout_account: { type: 'mpesa', phone: '254708374149' } } })
    expect(account.status).toBe(201)
    const { id } = (await account.json()) as { id: string }
    const created = await target.call('/api/v1/admin/keys', { method: 'POST', auth: admin, json: { account_id: id, mode: 'test' } })
    expect(created.status).toBe(201)
    key = ((await created.json()) as { key: string }).key
    const endpoint = await target.call('/api/v1/webhooks', { method: 'POST', auth: key, json: { url: `${receiver.url}/hooks` } })
    expect(endpoint.status).toBe(201)
    secret = ((await endpoint.json()) as { secret: string }).secret
  })

  it('refuses the cron tick without the secret, or with a wrong one (401 with a hint)', async () => {
    for (const auth of [null, 'not-the-cron-secret-at-all']) {
      const res = await tick(auth)
      expect(res.status).toBe(401)
      expect(await res.json()).toMatchObject({ error: 'Unauthorized', hint: expect.stringContaining('MPG_CRON_SECRET') })
    }
  })

  it('STK push → Daraja callback → success', async () => {
    const push = await target.call('/api/v1/stk-push', { method: 'POST', auth: key, json: { amount: 100, phone: '254708374149', reference: 'ORDER-7', description: 'T-shirt' } })
    expect(push.status).toBe(201)
    transactionId = ((await push.json()) as { transaction_id: string }).transaction_id
    // The emulator calls PUBLIC_SITE_URL back, as Daraja would: the callback settles the payment.
    const paid = await waitFor(async () => {
      const t = await transaction()
      return t.status === 'success' ? t : undefined
    }, { what: 'the STK callback to settle the payment', timeoutMs: 10_000 })
    expect(paid.mpesa_receipt_number).toMatch(/^[A-Z0-9]{10}$/)
  })

  it('delivers the payment.success webhook: through cron/tick on the fetch handler, at once on mpg serve', async () => {
    const events = (await (await target.call(`/api/v1/transactions/${transactionId}/events`, { auth: key })).json()) as { data: Array<{ event: string; deliveries: Array<{ status: string; attempts: unknown[] }> }> }
    const success = events.data.find((e) => e.event === 'payment.success')!
    expect(success.deliveries).toHaveLength(1)
    if (!target.backgroundInProcess) {
      // No timers in a fetch handler: the delivery waits, stored, for the next round.
      expect(success.deliveries[0]).toMatchObject({ status: 'pending', attempts: [] })
      expect(hooks('payment.success')).toHaveLength(0)
      const summary = await runTick()
      // payment.success, and payout.success too when the B2C's result came back meanwhile.
      expect(summary.deliveries.attempted).toBeGreaterThanOrEqual(1)
      expect(summary.deliveries).toMatchObject({ succeeded: summary.deliveries.attempted, failed: 0, retrying: 0 })
      expect(summary.leader).toBe(true)
    }
    const [hook] = await receiver.waitFor(1, { filter: (r) => (r.json as { event?: string }).event === 'payment.success', timeoutMs: 10_000 })
    expect(verifyWebhookSignature({ rawBody: hook.raw, signature: hook.headers['x-mpesa-gateway-signature'] as string, secret })).toBe(true)
    expect((hook.json as { data: { transaction_id: string } }).data.transaction_id).toBe(transactionId)
  })

  it('settles the B2C payout and delivers payout.success', async () => {
    const paidOut = await waitFor(async () => {
      // A round sends the B2C if the first send did not happen (or was cut off) in the callback's request.
      if (!target.backgroundInProcess) await runTick()
      const t = await transaction()
      return t.payout?.status === 'success' ? t : undefined
    }, { what: 'the payout to settle', timeoutMs: 15_000, intervalMs: 100 })
    expect(paidOut.payout?.mpesa_receipt).toBeTruthy()
    if (!target.backgroundInProcess) await waitFor(async () => (await runTick()).deliveries.succeeded > 0 || hooks('payout.success').length > 0, { what: 'a round to deliver payout.success' })
    await receiver.waitFor(1, { filter: (r) => (r.json as { event?: string }).event === 'payout.success', timeoutMs: 10_000 })
  })

  it('two instances ticking at once deliver each webhook once and pay each payout once', async () => {
    const other = await target.addInstance()
    const push = await other.call('/api/v1/stk-push', { method: 'POST', auth: key, json: { amount: 250, phone: '254708374149', reference: 'ORDER-8', description: 'Shoes' } })
    expect(push.status).toBe(201)
    const id = ((await push.json()) as { transaction_id: string }).transaction_id
    await waitFor(async () => (await transaction(id)).status === 'success', { what: 'the second payment', timeoutMs: 10_000 })
    const rounds: Summary[] = []
    await waitFor(async () => {
      rounds.push(...(await Promise.all([runTick(), runTick(other.call)])))
      const t = await transaction(id)
      return t.payout?.status === 'success' && hooks('payout.success').length >= 2 && hooks('payment.success').length >= 2
    }, { what: 'the second payout and its webhook', timeoutMs: 15_000, intervalMs: 100 })
    if (!target.backgroundInProcess) expect(rounds.reduce((n, r) => n + r.deliveries.succeeded, 0)).toBe(2)
    // Every event reached the receiver once: no webhook-id twice.
    const ids = receiver.received().map((r) => r.headers['webhook-id'])
    expect(ids).toHaveLength(new Set(ids).size)
    expect(hooks('payment.success')).toHaveLength(2)
    expect(hooks('payout.success')).toHaveLength(2)
    // Daraja accepted one B2C per payout (a second send would be refused as a duplicate).
    const accepted = target.emulator.requests().filter((r) => r.endpoint?.startsWith('b2c') && r.status === 200 && (r.response.body as { ResponseCode?: string }).ResponseCode === '0')
    const perPayout = accepted.map((r) => (r.request.body as { OriginatorConversationID: string }).OriginatorConversationID)
    expect(perPayout).toHaveLength(2)
    expect(new Set(perPayout).size).toBe(2)
  })
})
