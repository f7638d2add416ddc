import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { waitFor } from '../helpers/gateway.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'
import { runBin } from '../helpers/run-cli.js'
import { freePort } from '../helpers/free-port.js'
import { spawnReady, type ReadyProcess } from './processes.js'
import { caller, type Call } from './targets.js'

/**
 * examples/node/server.mjs as a user runs it (`node server.mjs`, importing the built package),
 * with the emulator as Daraja: background work first through the cron tick, then through a real
 * `mpg worker` process on the same database.
 */
describe.skipIf(pgServerUrl === null)('the plain Node deployment example, with a cron tick and with mpg worker', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  let emulator: RunningEmulator
  let receiver: CallbackReceiver
  let server: ReadyProcess
  let env: Record<string, string>
  let call: Call
  let key: string

  const hooksFor = (transactionId: string, event: string) =>
    receiver.received().filter((r) => {
      const body = r.json as { event?: string; data?: { transaction_id?: string } }
      return body.event === event && body.data?.transaction_id === transactionId
    })
  const pay = async (reference: string) => {
    const push = await call('/api/v1/stk-push', { method: 'POST', auth: key, json: { amount: 100, phone: '254708374149', reference, description: 'T-shirt' } })
    expect(push.status).toBe(201)
    const id = ((await push.json()) as { transaction_id: string }).transaction_id
    await waitFor(async () => ((await (await call(`/api/v1/transactions/${id}`, { auth: key })).json()) as { transaction: { status: string } }).transaction.status === 'success', {
      what: `${reference} to be paid`,
      timeoutMs: 10_000,
    })
    return id
  }

  beforeAll(async () => {
    db = await freshDatabase()
    emulator = await startEmulator({ port: 0, callbackDelayMs: 30 })
    receiver = await startCallbackReceiver()
    const port = await freePort()
    env = {
      DATABASE_URL: db.url,
      MPG_SEAL_KEY: randomBytes(32).toString('base64'),
      MPG_ADMIN_TOKEN: `mpg_admin_${randomBytes(20).toString('hex')}`,
      MPG_CRON_SECRET: randomBytes(24).toString('hex'),
      DARAJA_ENV: 'emulator',
      DARAJA_BASE_URL: emulator.url,
      PUBLIC_SITE_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      HOST: '127.0.0.1',
    }
    server = await spawnReady(['examples/node/server.mjs'], env)
    call = caller(server.ready.url as string, (request) => fetch(request))
    const admin = env.MPG_ADMIN_TOKEN
    const { id } = (await (await call('/api/v1/admin/accounts', { method: 'POST', auth: admin, json: { name: 'Shop', payout_account: { type: 'mpesa', phone: '254708374149' } } })).json()) as { id: string }
    key = ((await (await call('/api/v1/admin/keys', { method: 'POST', auth: admin, json: { account_id: id, mode: 'test' } })).json()) as { key: string }).key
    expect((await call('/api/v1/webhooks', { method: 'POST', auth: key, json: { url: `${receiver.url}/hooks` } })).status).toBe(201)
  })
  afterAll(async () => {
    await server?.stop()
    await receiver?.close()
    await emulator?.close()
    await db?.drop()
  })

  it('serves the API with no background work of its own: the webhook waits for the cron tick', async () => {
    expect(server.ready.url).toBe(env.PUBLIC_SITE_URL)
    const id = await pay('ORDER-1')
    const events = (await (await call(`/api/v1/transactions/${id}/events`, { auth: key })).json()) as { data: Array<{ event: string; deliveries: Array<{ status: string; attempts: unknown[] }> }> }
    expect(events.data.find((e) => e.event === 'payment.success')?.deliveries).toMatchObject([{ status: 'pending', attempts: [] }])
    const tick = await call('/api/v1/cron/tick', { method: 'POST', auth: env.MPG_CRON_SECRET })
    expect(tick.status).toBe(200)
    expect(((await tick.json()) as { deliveries: { succeeded: number } }).deliveries.succeeded).toBeGreaterThanOrEqual(1)
    expect(hooksFor(id, 'payment.success')).toHaveLength(1)
  })

  it('with mpg worker on the same database, webhooks and payouts need no tick; the worker stops cleanly', async () => {
    const worker = await spawnReady([runBin, 'worker', '--json'], env)
    try {
      expect(worker.ready).toMatchObject({ type: 'ready', daraja_env: 'emulator', database: expect.stringContaining(new URL(db.url).pathname) })
      const id = await pay('ORDER-2')
      // Both events may be read in one pass of the worker's feed and delivered side by side, in either order.
      await waitFor(() => hooksFor(id, 'payment.success').length > 0 && hooksFor(id, 'payout.success').length > 0, { what: 'payment.success and payout.success', timeoutMs: 15_000 })
      expect(hooksFor(id, 'payment.success')).toHaveLength(1)
      expect(hooksFor(id, 'payout.success')).toHaveLength(1)
    } finally {
      expect(await worker.stop()).toBe(0)
    }
    expect(worker.lines.at(-1)).toMatchObject({ type: 'stopped' })
  })
})
