import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadGatewayConfig } from '../../src/config/gateway-config.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'
import { readEventIds } from '../helpers/sse-frames.js'

describe('PostgreSQL settings', () => {
  it('with DATABASE_URL, start-up refuses without MPG_SEAL_KEY and MPG_ADMIN_TOKEN, naming them in one line', async () => {
    expect(() => loadGatewayConfig({ DATABASE_URL: 'postgres://db.example.com/mpg' })).toThrow(/MPG_SEAL_KEY and MPG_ADMIN_TOKEN are required/)
    expect(() => loadGatewayConfig({ DATABASE_URL: 'postgres://db.example.com/mpg', MPG_ADMIN_TOKEN: 'x'.repeat(20) })).toThrow(/MPG_SEAL_KEY is required/)
    expect(() => loadGatewayConfig({ DATABASE_URL: 'mysql://db.example.com/mpg' })).toThrow(/DATABASE_URL must be a PostgreSQL URL/)
    expect(() => loadGatewayConfig({ DATABASE_URL: 'postgres://db/mpg', MPG_ADMIN_TOKEN: 'x'.repeat(20), MPG_SEAL_KEY: 'short' })).toThrow(/MPG_SEAL_KEY must be 32 random bytes/)
    const cli = await runCli(['serve', '--port', '0', '--database-url', 'postgres://127.0.0.1:1/mpg'], { env: { MPG_SEAL_KEY: '', MPG_ADMIN_TOKEN: '' } })
    expect(cli.exitCode).not.toBe(0)
    expect(cli.stderr.trim().split('\n')[0]).toMatch(/MPG_SEAL_KEY and MPG_ADMIN_TOKEN are required/)
    expect(cli.stderr).not.toMatch(/\n\s+at /)
  })

  it('a database that cannot be reached is one line and a next step, without the password', async () => {
    const cli = await runCli(['serve', '--port', '0', '--database-url', 'postgres://mpg:s3cret@127.0.0.1:1/mpg'], {
      env: { MPG_SEAL_KEY: randomBytes(32).toString('base64'), MPG_ADMIN_TOKEN: 'x'.repeat(24) },
    })
    expect(cli.exitCode).not.toBe(0)
    expect(cli.stderr).toMatch(/Cannot reach PostgreSQL at 127\.0\.0\.1:1\/mpg/)
    expect(cli.stderr).not.toContain('s3cret')
    expect(cli.stderr).not.toMatch(/\n\s+at /)
  })
})

describe.skipIf(pgServerUrl === null)('two gateway processes on one PostgreSQL database', () => {
  let a: TestGateway
  let b: TestGateway
  let receiver: CallbackReceiver
  let key = ''
  let drop: () => Promise<void>

  beforeAll(async () => {
    const db = await freshDatabase()
    drop = db.drop
    const env = {
      DATABASE_URL: db.url,
      MPG_SEAL_KEY: randomBytes(32).toString('base64'),
      MPG_ADMIN_TOKEN: `mpg_admin_${randomBytes(20).toString('hex')}`,
      MPG_PAYOUT_RETRY_DELAYS_MS: '100,200,400',
    }
    const [first, second] = await Promise.all([startTestGateway({ env }), startTestGateway({ env })])
    a = first
    b = second
    // One leader bootstrapped the default account and key; both instances accept it.
    key = a.key || b.key
    receiver = await startCallbackReceiver()
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await receiver?.close()
    removeDir(a.dataDir)
    removeDir(b.dataDir)
    await drop()
  })

  it('one bootstrap, and both report the PostgreSQL store', async () => {
    expect([a.bootstrap, b.bootstrap].filter(Boolean)).toHaveLength(1)
    for (const gw of [a, b]) {
      const health = await (await fetch(`${gw.url}/health`)).json()
      expect(health.store).toEqual({ kind: 'postgres', reachable: true })
    }
  })

  it('an Idempotency-Key sent to both at once makes one payment', async () => {
    const headers = { 'idempotency-key': 'order-77' }
    const answers = await Promise.all(
      [a, b, a, b].map((gw) => gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'ORDER-77' }), headers, auth: key })),
    )
    const ids = new Set<string>()
    for (const res of answers) {
      // 409 while the first is still talking to Daraja; otherwise the one payment.
      if (res.status === 409) continue
      expect([200, 201]).toContain(res.status)
      ids.add(((await res.json()) as { transaction_id: string }).transaction_id)
    }
    expect(ids.size).toBe(1)
    const list = (await (await b.api('/api/v1/transactions?limit=100', { auth: key })).json()) as { data: Array<{ reference: string }> }
    expect(list.data.filter((t) => t.reference === 'ORDER-77')).toHaveLength(1)
  })

  it('a stream on one instance sees events stored by the other, resumes there with Last-Event-ID, and each webhook is delivered once', async () => {
    const endpoint = await a.api('/api/v1/webhooks', { method: 'POST', json: { url: `${receiver.url}/hook`, events: ['payment.success'] }, auth: key })
    expect(endpoint.status).toBe(201)
    const controller = new AbortController()
    const streamB = await b.api('/api/v1/events/stream', { headers: { accept: 'text/event-stream' }, signal: controller.signal, auth: key })
    expect(streamB.status).toBe(200)
    const onB = readEventIds(streamB.body!)
    const pushed: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await a.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: `MULTI-${i}` }), auth: key })
      expect(res.status).toBe(201)
      pushed.push(((await res.json()) as { transaction_id: string }).transaction_id)
    }
    await waitFor(() => onB.ids.length >= 3, { what: 'three events on the other instance', timeoutMs: 20_000 })
    controller.abort()
    await onB.done

    // Resume on A after the first event: the other two, in the same order.
    const resumed = new AbortController()
    const streamA = await a.api('/api/v1/events/stream', { headers: { accept: 'text/event-stream', 'last-event-id': onB.ids[0] }, signal: resumed.signal, auth: key })
    const onA = readEventIds(streamA.body!)
    await waitFor(() => onA.ids.length >= 2, { what: 'replayed events', timeoutMs: 20_000 })
    expect(onA.ids.slice(0, 2)).toEqual(onB.ids.slice(1, 3))
    resumed.abort()
    await onA.done

    // Both instances run a delivery worker; each event reaches the receiver once.
    await receiver.waitFor(3, { timeoutMs: 20_000 })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const received = receiver.received()
    // An earlier test's payment may settle after this endpoint exists and so be delivered here too:
    // judge this test's payments, and that no event reached the receiver twice.
    const delivered = received.map((r) => (r.json as { data: { transaction_id: string } }).data.transaction_id)
    expect(delivered.filter((id) => pushed.includes(id)).sort()).toEqual([...pushed].sort())
    const eventIds = received.map((r) => String(r.headers['webhook-id']))
    expect(new Set(eventIds).size).toBe(eventIds.length)
  })

  it('a payout retry is run by whichever instance leases it, not only by the leader: one B2C per attempt', async () => {
    const leader = (await a.context.store.tryLead()) ? a : b
    const follower = leader === a ? b : a
    // The leader runs no payout passes from now on: before payouts were leased, nobody else did.
    leader.reconciler.stop()
    const account = await leader.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Leased payouts', payout_account: { type: 'mpesa', phone: '254708374149' } } })
    const { id: accountId } = (await account.json()) as { id: string }
    const created = await leader.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: accountId, mode: 'test' } })
    const payoutKey = ((await created.json()) as { key: string }).key
    // The first B2C is refused for now, so a retry is scheduled. Either instance may send that first one
    // (the one settling the payment, or the follower's payout pass leasing it first), each to its own
    // emulator: both refuse their first.
    for (const gw of [leader, follower]) gw.emulator!.setFault({ kind: 'error', endpoint: 'b2c', status: 503, count: 1 })
    const res = await leader.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'LEASED-1' }), auth: payoutKey })
    expect(res.status).toBe(201)
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    const settled = await waitFor(
      async () => {
        const t = await follower.context.store.getTransaction(transaction_id)
        return t?.payout?.status === 'success' ? t : undefined
      },
      { what: 'the payout retried by the other instance', timeoutMs: 20_000 },
    )
    // Earlier tests' payments have payouts too: count this one's B2Cs.
    const b2c = (gw: TestGateway) =>
      gw.emulator!.requests().filter((r) => r.endpoint === 'b2c_v3' && (r.request.body as { OriginatorConversationID?: string }).OriginatorConversationID === `mpg-${transaction_id}`)
    // One B2C per recorded attempt: 2, or 3 when the follower's retry met its own emulator's refusal.
    // The leader runs no payout passes, so it sent at most the first; every retry was the follower's.
    const attempts = settled.payout?.attempts ?? 0
    expect([2, 3]).toContain(attempts)
    expect(b2c(leader).length + b2c(follower).length).toBe(attempts)
    expect(b2c(leader).length).toBeLessThanOrEqual(1)
    expect(b2c(follower).length).toBeGreaterThanOrEqual(attempts - 1)
    const events = await follower.context.store.listEventsAfter(accountId, 'test', 0, 100)
    expect(events.filter((e) => e.event === 'payout.success')).toHaveLength(1)
  })
})
