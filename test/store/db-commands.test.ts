import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor } from '../helpers/gateway.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'
import { runCli } from '../helpers/run-cli.js'

/** Settings that keep a test gateway on lowdb whatever MPG_TEST_STORE says. */
const LOWDB = { DATABASE_URL: '', MPG_SEAL_KEY: '', MPG_ADMIN_TOKEN: '' }

describe('mpg db without a database', () => {
  it('says how to give one, in one line', async () => {
    const res = await runCli(['db', 'status'], { env: { DATABASE_URL: '' } })
    expect(res.exitCode).not.toBe(0)
    expect(res.stderr).toMatch(/No database given.*--database-url/)
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })
})

describe.skipIf(pgServerUrl === null)('mpg db', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  let receiver: CallbackReceiver
  const dirs: string[] = []
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-db-'))
    dirs.push(dir)
    return dir
  }
  beforeAll(async () => {
    db = await freshDatabase()
    receiver = await startCallbackReceiver()
  })
  afterAll(async () => {
    await receiver.close()
    for (const dir of dirs) removeDir(dir)
    await db.drop()
  })

  it('status shows the migration pending, migrate applies it once, status then shows it applied', async () => {
    const env = { DATABASE_URL: db.url }
    const before = JSON.parse((await runCli(['db', 'status', '--json'], { env })).stdout)
    expect(before.pending).toBeGreaterThan(0)
    expect(before.migrations[0]).toMatchObject({ version: 1, name: 'initial', applied_at: null })
    const [first, second] = await Promise.all([runCli(['db', 'migrate', '--json'], { env }), runCli(['db', 'migrate', '--json'], { env })])
    expect([JSON.parse(first.stdout).applied, JSON.parse(second.stdout).applied].flat()).toEqual(before.migrations.map((m: { version: number }) => m.version))
    const after = JSON.parse((await runCli(['db', 'status', '--json'], { env })).stdout)
    expect(after.pending).toBe(0)
    expect(after.migrations[0].applied_at).toMatch(/^\d{4}-/)
  })

  it('import moves a lowdb data dir into PostgreSQL (refusing a non-empty one), export moves it back', async () => {
    // A lowdb gateway with a payment, an Idempotency-Key, a webhook endpoint and its delivery.
    const lowdbDir = tempDir()
    const gw = await startTestGateway({ dataDir: lowdbDir, env: LOWDB })
    const key = gw.key
    const endpoint = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: `${receiver.url}/hook` } })
    expect(endpoint.status).toBe(201)
    const pushed = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'MOVE-1' }), headers: { 'idempotency-key': 'move-1' } })
    expect(pushed.status).toBe(201)
    const { transaction_id } = (await pushed.json()) as { transaction_id: string }
    await receiver.waitFor(1, { timeoutMs: 10_000 })
    // Read once the payout is final: a B2C still in flight changes the record after the read (its
    // ack is stored with its result, or alone when the gateway stops).
    const original = await waitFor(async () => {
      const body = await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()
      return body.transaction.payout?.status === 'success' ? body : undefined
    }, { timeoutMs: 10_000, what: 'the payout to finish' })
    expect(original.transaction.status).toBe('success')
    await gw.close()

    const env = { DATABASE_URL: db.url }
    const imported = await runCli(['db', 'import', '--data-dir', lowdbDir, '--json'], { env })
    expect(imported.exitCode).toBe(0)
    const counts = JSON.parse(imported.stdout).imported
    expect(counts).toMatchObject({ accounts: 1, api_keys: 1, transactions: 1, idempotency: 1, webhook_endpoints: 1 })
    // payment.success, and payout.success when the B2C finished before the gateway stopped: one delivery each.
    expect(counts.events).toBeGreaterThanOrEqual(1)
    expect(counts.deliveries).toBe(counts.events)
    const again = await runCli(['db', 'import', '--data-dir', lowdbDir], { env })
    expect(again.exitCode).not.toBe(0)
    expect(again.stderr).toMatch(/already holds gateway data.*--force/s)

    // A PostgreSQL gateway with the data dir's seal key serves the same data to the same key.
    const pgEnv = {
      DATABASE_URL: db.url,
      MPG_SEAL_KEY: readFileSync(join(lowdbDir, 'seal-key'), 'utf8').trim(),
      MPG_ADMIN_TOKEN: 'mpg_admin_imported_token_0123456789',
    }
    const onPg = await startTestGateway({ dataDir: tempDir(), env: pgEnv })
    try {
      expect(onPg.bootstrap).toBeUndefined()
      expect(await (await onPg.api(`/api/v1/transactions/${transaction_id}`, { auth: key })).json()).toEqual(original)
      const replay = await onPg.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'MOVE-1' }), headers: { 'idempotency-key': 'move-1' }, auth: key })
      expect(replay.status).toBe(200)
      expect(((await replay.json()) as { transaction_id: string }).transaction_id).toBe(transaction_id)
      // The endpoint's sealed secret still opens: a new payment is delivered, signed.
      receiver.clear()
      expect((await onPg.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'MOVE-2' }), auth: key })).status).toBe(201)
      const [delivered] = await receiver.waitFor(1, { timeoutMs: 10_000 })
      expect(delivered.headers['x-mpesa-gateway-signature']).toBeTruthy()
      await waitFor(async () => ((await (await onPg.api('/api/v1/transactions?limit=10', { auth: key })).json()) as { data: unknown[] }).data.length === 2)
    } finally {
      await onPg.close()
    }

    const exportDir = tempDir()
    const refused = await runCli(['db', 'export', '--data-dir', lowdbDir], { env })
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toMatch(/already holds a gateway store.*--force/s)
    const exported = await runCli(['db', 'export', '--data-dir', exportDir, '--json'], { env: { ...env, MPG_SEAL_KEY: pgEnv.MPG_SEAL_KEY } })
    expect(exported.exitCode).toBe(0)
    expect(JSON.parse(exported.stdout).exported).toMatchObject({ accounts: 1, transactions: 2, webhook_endpoints: 1 })
    const back = await startTestGateway({ dataDir: exportDir, env: LOWDB })
    try {
      const list = (await (await back.api('/api/v1/transactions?limit=10', { auth: key })).json()) as { data: Array<{ reference: string }> }
      expect(list.data.map((t) => t.reference)).toEqual(['MOVE-2', 'MOVE-1'])
    } finally {
      await back.close()
    }
  })
})
