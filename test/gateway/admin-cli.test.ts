import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  gw = await startTestGateway({ env: { MPG_EMULATOR_CALLBACK_DELAY_MS: '20' } })
  // The admin token is found in the data dir, as on a developer's machine.
  env = { MPG_BASE_URL: gw.url, MPG_DATA_DIR: gw.dataDir, MPG_CONFIG_DIR: gw.dataDir }
})
afterAll(async () => {
  await gw.close()
})

describe('mpg accounts / keys / payouts (admin)', () => {
  it('accounts create --json prints the account with its payout account', async () => {
    const r = await runCli(['accounts', 'create', '--name', 'Duka', '--payout-mpesa', '0712345678', '--json'], { env })
    expect(r.exitCode).toBe(0)
    const account = JSON.parse(r.stdout)
    expect(account).toEqual({ id: expect.stringMatching(/^acct_/), name: 'Duka', payout_account: { type: 'mpesa', phone: '254712345678' } })
  })

  it('accounts create with paybill, till and bank', async () => {
    const paybill = JSON.parse((await runCli(['accounts', 'create', '--name', 'P', '--payout-paybill', '888880', '--account-number', 'ACC1', '--json'], { env })).stdout)
    expect(paybill.payout_account).toEqual({ type: 'paybill', paybill: '888880', account_number: 'ACC1' })
    const till = JSON.parse((await runCli(['accounts', 'create', '--name', 'T', '--payout-till', '5123456', '--json'], { env })).stdout)
    expect(till.payout_account).toEqual({ type: 'till', till: '5123456' })
    const bank = JSON.parse((await runCli(['accounts', 'create', '--name', 'B', '--payout-bank', 'KCB', '--account-number', '11002233', '--json'], { env })).stdout)
    expect(bank.payout_account).toEqual({ type: 'bank', bank: 'KCB', account_number: '11002233' })
  })

  it('rejects two payout choices, or a paybill without account number, with a usage error and a next step', async () => {
    const two = await runCli(['accounts', 'create', '--name', 'X', '--payout-till', '5123456', '--payout-mpesa', '0712345678'], { env })
    expect(two.exitCode).toBe(2)
    expect(two.stderr).toMatch(/Choose one payout account/)
    const missing = await runCli(['accounts', 'create', '--name', 'X', '--payout-paybill', '888880'], { env })
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toMatch(/--account-number/)
    const badPhone = await runCli(['accounts', 'create', '--name', 'X', '--payout-mpesa', '12345'], { env })
    expect(badPhone.exitCode).toBe(2)
    expect(badPhone.stderr).toMatch(/Invalid phone/)
  })

  it('keys create --json shows the key once; keys list shows only prefixes; revoke makes it 401', async () => {
    const created = await runCli(['keys', 'create', '--account', gw.bootstrap!.account_id, '--mode', 'test', '--name', 'ci', '--json'], { env })
    expect(created.exitCode).toBe(0)
    const key = JSON.parse(created.stdout)
    expect(key).toMatchObject({ id: expect.stringMatching(/^key_/), key: expect.stringMatching(/^mpg_test_[0-9A-Za-z]{32}$/), mode: 'test', account_id: gw.bootstrap!.account_id })
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), auth: key.key })).status).toBe(201)

    const list = await runCli(['keys', 'list', '--json'], { env })
    expect(list.stdout).not.toContain(key.key)
    expect(JSON.parse(list.stdout).data.find((k: { id: string }) => k.id === key.id)).toMatchObject({ status: 'active', name: 'ci' })

    const revoked = await runCli(['keys', 'revoke', key.id, '--json'], { env })
    expect(revoked.exitCode).toBe(0)
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: key.id, status: 'revoked' })
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), auth: key.key })).status).toBe(401)
  })

  it('keys create for an unknown account exits NOT_FOUND with a suggestion', async () => {
    const r = await runCli(['keys', 'create', '--account', 'acct_nope', '--mode', 'test'], { env })
    expect(r.exitCode).toBe(6)
    expect(r.stderr).toMatch(/Account not found/)
    expect(r.stderr).toMatch(/mpg accounts list/)
  })

  it('accounts list prints a table for people', async () => {
    const r = await runCli(['accounts', 'list'], { env })
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^ID\s+NAME\s+PAYOUT/m)
    expect(r.stdout).toContain('Default account')
  })

  it('a wrong admin token exits AUTH; a gateway that is down exits UNREACHABLE with a next step', async () => {
    const auth = await runCli(['accounts', 'list', '--admin-token', 'wrong'], { env })
    expect(auth.exitCode).toBe(5)
    const down = await runCli(['accounts', 'list', '--base-url', 'http://127.0.0.1:9'], { env })
    expect(down.exitCode).toBe(4)
    expect(down.stderr).toMatch(/mpg serve/)
  })

  it('payouts settle marks a manual payout settled', async () => {
    const account = JSON.parse((await runCli(['accounts', 'create', '--name', 'Manual', '--payout-paybill', '888880', '--account-number', 'A1', '--json'], { env })).stdout)
    const key = JSON.parse((await runCli(['keys', 'create', '--account', account.id, '--mode', 'test', '--json'], { env })).stdout).key
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), auth: key })
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    await waitFor(async () => {
      const t = (await (await gw.api(`/api/v1/transactions/${transaction_id}`, { auth: key })).json()) as any
      return t.transaction.payout?.status === 'pending_manual'
    })
    const settled = await runCli(['payouts', 'settle', transaction_id, '--json'], { env })
    expect(settled.exitCode).toBe(0)
    expect(JSON.parse(settled.stdout).payout).toMatchObject({ status: 'settled', settled_at: expect.any(String) })
    const again = await runCli(['payouts', 'settle', 'no-such-transaction'], { env })
    expect(again.exitCode).toBe(6)
  })
})
