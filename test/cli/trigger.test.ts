import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TestGateway } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import { FAILURE_PHONES } from '../../src/services/test-phones.js'
import type { CheckingProxy } from '../helpers/openapi-proxy.js'
import { cliGateway, cliEnv } from './cli-env.js'

let gateway: TestGateway
/** `mpg` talks to the gateway through this: every answer it gets is held to the OpenAPI document. */
let checked: CheckingProxy
let configDir: string
cliGateway('test', (rig) => ({ gateway, configDir, checked } = rig))

const mpg = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: cliEnv({ url: checked.url, key: gateway.key }, configDir, extra) })

interface StoredTransaction {
  status: string
  result_code: string | null
  phone: string
  payout: { status: string; type: string } | null
}

async function transactionOf(id: string, key = gateway.key): Promise<StoredTransaction> {
  const res = await gateway.api(`/api/v1/transactions/${id}`, { auth: key })
  expect(res.status).toBe(200)
  return ((await res.json()) as { transaction: StoredTransaction }).transaction
}

describe('mpg trigger', () => {
  it('payment.success: a real paid push on the key’s account; prints the transaction id', async () => {
    const result = await mpg(['trigger', 'payment.success'])
    expect(result.exitCode, result.stderr).toBe(0)
    const id = /transaction (\S+)/.exec(result.stdout)?.[1]
    expect(id).toBeTruthy()
    expect((await transactionOf(id!)).status).toBe('success')
  })

  it.each(Object.entries(FAILURE_PHONES))('payment.failed --result-code %s ends failed with that code, on phone %s', async (code, phone) => {
    const result = await mpg(['trigger', 'payment.failed', '--result-code', code, '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    const doc = JSON.parse(result.stdout)
    expect(doc).toMatchObject({ event: 'payment.failed', account: { source: 'api_key' }, status: 'failed', result_code: code })
    expect(await transactionOf(doc.transaction_id)).toMatchObject({ status: 'failed', result_code: code, phone })
  })

  it('payout.success waits for the B2C payout to the account’s M-Pesa phone', async () => {
    const doc = JSON.parse((await mpg(['trigger', 'payout.success', '--json'])).stdout)
    expect(doc).toMatchObject({ event: 'payout.success', payout_status: 'success' })
    expect((await transactionOf(doc.transaction_id)).payout).toMatchObject({ status: 'success', type: 'mpesa' })
  })

  it('payout.failed fails the payout of the key’s own account on the emulator, visible on its stream; the one-shot scenario is gone afterwards', async () => {
    const failed = await mpg(['trigger', 'payout.failed', '--json'])
    expect(failed.exitCode, failed.stderr).toBe(0)
    const f = JSON.parse(failed.stdout)
    expect(f).toMatchObject({ event: 'payout.failed', payout_status: 'failed', account: { source: 'api_key' } })
    expect(f.transaction.payout).toMatchObject({ status: 'failed', type: 'mpesa', result_code: '1' })
    const events = await gateway.context.store.listEventsAfter(gateway.bootstrap!.account_id, 'test', 0, 100)
    expect(events.filter((e) => e.event === 'payout.failed' && e.data.transaction_id === f.transaction_id)).toHaveLength(1)
    const scenarios = (await (await fetch(`${gateway.emulator!.url}/__emulator/scenarios`)).json()) as { scenarios: unknown[] }
    expect(scenarios.scenarios).toEqual([])
    // The next payout succeeds again.
    const ok = JSON.parse((await mpg(['trigger', 'payout.success', '--json'])).stdout)
    expect(ok).toMatchObject({ event: 'payout.success', payout_status: 'success' })
  })

  it('payout.pending_manual uses a dedicated test account made with the admin token, reused by name', async () => {
    const admin = { MPG_ADMIN_TOKEN: gateway.adminToken }
    const manual = JSON.parse((await mpg(['trigger', 'payout.pending_manual', '--json'], admin)).stdout)
    expect(manual).toMatchObject({ event: 'payout.pending_manual', payout_status: 'pending_manual', account: { name: 'mpg trigger: payout.pending_manual' } })
    expect(manual.transaction.payout.type).toBe('paybill')

    const again = JSON.parse((await mpg(['trigger', 'payout.pending_manual', '--json'], admin)).stdout)
    expect(again.account.id).toBe(manual.account.id)
    const accounts = (await (await gateway.admin('/api/v1/admin/accounts')).json()) as { data: Array<{ name: string }> }
    expect(accounts.data.filter((a) => a.name.startsWith('mpg trigger:')).map((a) => a.name)).toEqual(['mpg trigger: payout.pending_manual'])
    // The dedicated account's key was kept, so the second run made no new key.
    const keys = (await (await gateway.admin('/api/v1/admin/keys')).json()) as { data: Array<{ name: string | null }> }
    expect(keys.data.filter((k) => k.name === 'mpg trigger')).toHaveLength(1)
    expect(existsSync(join(configDir, 'trigger-keys.json'))).toBe(true)
  })

  it('without an admin token, a dedicated-account event says how to provide one (exit 5)', async () => {
    const result = await mpg(['trigger', 'payout.pending_manual'])
    expect(result.exitCode).toBe(5)
    expect(result.stderr).toContain('MPG_ADMIN_TOKEN')
  })

  it('refuses an unknown event, --result-code on other events and a live key (exit 2)', async () => {
    expect((await mpg(['trigger', 'payment.refunded'])).exitCode).toBe(2)
    expect((await mpg(['trigger', 'payment.success', '--result-code', '1032'])).exitCode).toBe(2)
    const live = await mpg(['trigger', 'payment.success'], { MPG_API_KEY: 'mpg_live_AbCdEfGhIjKlMnOpQrStUvWxYz012345' })
    expect(live.exitCode).toBe(2)
    expect(live.stderr).toContain('test mode')
  })
})
