import { freePort } from '../helpers/free-port.js'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

const gateways: TestGateway[] = []
const dirs = new Set<string>()
let emulator: RunningEmulator | undefined
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  await emulator?.close()
  emulator = undefined
  for (const dir of dirs) removeDir(dir)
  dirs.clear()
})

async function start(env: Record<string, string> = {}, dataDir?: string) {
  const g = await startTestGateway({ env, dataDir })
  gateways.push(g)
  dirs.add(g.dataDir)
  return g
}

async function accountKey(g: TestGateway, payout_account: unknown) {
  const account = (await (await g.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Merchant', payout_account } })).json()) as { id: string }
  return ((await (await g.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as { key: string }).key
}

async function payoutOf(g: TestGateway, key: string, status: string | RegExp) {
  const res = await g.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ amount: 1000 }), auth: key })
  const { transaction_id } = (await res.json()) as { transaction_id: string }
  return waitFor(
    async () => {
      const t = ((await (await g.api(`/api/v1/transactions/${transaction_id}`, { auth: key })).json()) as { transaction: any }).transaction
      return t.payout && String(t.payout.status).match(status) ? t : undefined
    },
    { what: `payout ${status}` },
  )
}

const b2cRequests = (em: RunningEmulator) => em.requests().filter((r) => r.endpoint === 'b2c_v3')

describe('payouts', () => {
  it('an M-Pesa payout account gets one B2C of the net amount (whole shillings), then payout.success with a receipt', async () => {
    const g = await start()
    const t = await payoutOf(g, g.key, 'success')
    expect(t.net_amount).toBe(985)
    expect(t.payout).toMatchObject({ type: 'mpesa', amount: 985, destination: { type: 'mpesa', phone: '254708374149' }, result_code: '0' })
    expect(t.payout.mpesa_receipt).toMatch(/^[A-Z0-9]{10}$/)
    const sent = b2cRequests(g.emulator!)
    expect(sent).toHaveLength(1)
    expect(sent[0].request.body).toMatchObject({ OriginatorConversationID: `mpg-${t.id}`, PartyB: '254708374149', Amount: 985, CommandID: 'BusinessPayment' })
    expect(String((sent[0].request.body as { ResultURL: string }).ResultURL)).toMatch(/\/api\/v1\/callbacks\/daraja\/b2c\/[0-9A-Za-z]{32}$/)
  })

  it('a failed B2C result (payout phone 254700000003) → payout failed with Daraja\'s description', async () => {
    const g = await start()
    const key = await accountKey(g, { type: 'mpesa', phone: '254700000003' })
    const t = await payoutOf(g, key, 'failed')
    expect(t.status).toBe('success')
    expect(t.payout).toMatchObject({ status: 'failed', result_code: '1', result_desc: 'The balance is insufficient for the transaction.' })
  })

  it('a B2C refused synchronously → payout failed with the refusal', async () => {
    const g = await start()
    g.emulator!.setFault({ kind: 'error', endpoint: 'b2c', status: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid PartyB' })
    const t = await payoutOf(g, g.key, 'failed')
    expect(t.payout).toMatchObject({ status: 'failed', result_code: '400.002.02', result_desc: 'Bad Request - Invalid PartyB' })
  })

  it('Paybill, Till and Bank payouts wait for manual settlement', async () => {
    const g = await start()
    for (const payout of [
      { type: 'paybill', paybill: '888880', account_number: 'A1' },
      { type: 'till', till: '5123456' },
      { type: 'bank', bank: 'KCB', account_number: '1100' },
    ]) {
      const key = await accountKey(g, payout)
      const t = await payoutOf(g, key, 'pending_manual')
      expect(t.payout).toMatchObject({ type: payout.type, amount: 985, destination: payout })
      const settled = await g.admin(`/api/v1/admin/payouts/${t.id}/settle`, { method: 'POST' })
      expect(settled.status).toBe(200)
      expect(((await settled.json()) as any).transaction.payout.status).toBe('settled')
      const twice = await g.admin(`/api/v1/admin/payouts/${t.id}/settle`, { method: 'POST' })
      expect(twice.status).toBe(200)
    }
    expect(b2cRequests(g.emulator!)).toHaveLength(0)
  })

  it('a B2C whose answer was lost is not paid twice after a restart', async () => {
    emulator = await startEmulator({ callbackDelayMs: 30 })
    // The B2C is accepted after 500 ms, past the gateway's 300 ms timeout; its result comes 5 s
    // later: after the stop, the restart and the restarted gateway's re-send (which Daraja refuses
    // as a duplicate), however slow the machine makes those (with 2.5 s a slow restart could let the
    // result settle the payout first, and there was no re-send to count).
    emulator.setFault({ kind: 'latency', endpoint: 'b2c', ms: 500 })
    emulator.setScenario({ product: 'b2c', phone: '254708374149', delay_ms: 5000 })
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'mpg-payout-'))
    const env = { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: emulator.url, DARAJA_TIMEOUT_MS: '300', PORT: String(port) }
    const first = await start(env, dataDir)
    const res = await first.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    await waitFor(() => b2cRequests(emulator!).length === 1, { what: 'the first B2C to reach Daraja' })
    const before = (await first.context.store.getTransaction(transaction_id))!
    expect(before.payout).toMatchObject({ status: 'pending', conversation_id: null })
    await first.close()
    gateways.splice(gateways.indexOf(first), 1)
    emulator.clearFaults()

    const second = await start(env, dataDir)
    expect(second.key).toBe('')
    const t = await waitFor(async () => {
      const current = await second.context.store.getTransaction(transaction_id)
      return current?.payout?.status === 'success' ? current : undefined
    }, { timeoutMs: 20_000, what: 'the payout to succeed' })
    expect(t.payout?.status).toBe('success')
    const sent = b2cRequests(emulator)
    expect(sent).toHaveLength(2)
    expect(sent[1].response.body).toMatchObject({ errorCode: '500.002.1001' })
    const events = await second.context.store.listEventsAfter(t.account_id, 'test', 0, 100)
    expect(events.filter((e) => e.event === 'payout.success')).toHaveLength(1)
  })
})

describe('a duplicate-request result for a re-sent B2C', () => {
  it('ResultCode 15 (Duplicate OriginatorConversationID) does not settle the payout; the real result does', async () => {
    const g = await start()
    // The real result is held 3 s (not 0.8): it must come after the test's duplicate, which a loaded
    // machine can hold up for most of a second; a real result first settles the payout (rightly).
    g.emulator!.setScenario({ product: 'b2c', phone: '254708374149', delay_ms: 3000 })
    const res = await g.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    const b2c = await waitFor(() => b2cRequests(g.emulator!)[0])
    const sent = b2c.request.body as { ResultURL: string; OriginatorConversationID: string }
    const duplicate = await fetch(sent.ResultURL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        Result: {
          ResultType: 0,
          ResultCode: 15,
          ResultDesc: '[Controller - ]Duplicate OriginatorConversationID.',
          OriginatorConversationID: sent.OriginatorConversationID,
          ConversationID: 'AG_20261128_00000000000000000000',
          TransactionID: 'UKS0000000',
        },
      }),
    })
    expect(duplicate.status).toBe(200)
    expect((await g.context.store.getTransaction(transaction_id))?.payout?.status).toBe('pending')
    const t = await waitFor(async () => {
      const current = await g.context.store.getTransaction(transaction_id)
      return current?.payout?.status === 'success' ? current : undefined
    })
    expect(t.payout?.result_code).toBe('0')
  })
})
