import { afterEach, describe, expect, it } from 'vitest'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  gw = undefined
})

async function push(g: TestGateway, phone: string) {
  const res = await g.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }) })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

async function finalOf(g: TestGateway, id: string, timeoutMs = 5000) {
  return waitFor(
    async () => {
      const body = (await (await g.api(`/api/v1/transactions/${id}`)).json()) as { transaction: Record<string, any> }
      return body.transaction.status === 'pending' ? undefined : body.transaction
    },
    { timeoutMs, what: `transaction ${id} to leave pending` },
  )
}

describe('each emulator outcome phone ends in the right final state', () => {
  const cases: Array<[string, string, string, string]> = [
    ['254708374149', 'success', '0', 'The service request is processed successfully.'],
    ['254711111111', 'success', '0', 'The service request is processed successfully.'],
    ['254700000001', 'failed', '1032', 'Request cancelled by user'],
    ['254700000002', 'failed', '1037', 'No response from user.'],
    ['254700000003', 'failed', '1', 'The balance is insufficient for the transaction.'],
    ['254700000004', 'failed', '2001', 'The initiator information is invalid.'],
    ['254700000007', 'success', '0', 'The service request is processed successfully.'],
  ]
  for (const [phone, status, code, desc] of cases) {
    it(`${phone} → ${status} ${code}`, async () => {
      gw = await startTestGateway()
      const { status: http, body } = await push(gw, phone)
      expect(http).toBe(201)
      const t = await finalOf(gw, body.transaction_id)
      expect(t).toMatchObject({ status, result_code: code, result_desc: desc, phone })
      if (status === 'success') expect(t.mpesa_receipt_number).toMatch(/^[A-Z0-9]{10}$/)
      else expect(t.mpesa_receipt_number).toBeNull()
      expect(t.completed_at).not.toBeNull()
    })
  }

  it('254700000005 (paid, no callback) is settled by reconciliation with STK Query', async () => {
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '0.3' } })
    const { body } = await push(gw, '254700000005')
    const t = await finalOf(gw, body.transaction_id, 8000)
    expect(t).toMatchObject({ status: 'success', result_code: '0' })
    // A query tells the status but not the receipt (daraja.md §4).
    expect(t.mpesa_receipt_number).toBeNull()
    expect(gw.emulator!.requests().some((r) => r.endpoint === 'stk_query')).toBe(true)
    expect(gw.emulator!.callbacks().filter((c) => c.kind === 'stk')).toHaveLength(0)
  })

  it('254700000006 (subscriber locked) answers 502 with Daraja\'s code and keeps a failed transaction', async () => {
    gw = await startTestGateway()
    const { status, body } = await push(gw, '254700000006')
    expect(status).toBe(502)
    expect(body.error).toBe('Daraja STK Push failed')
    expect(body.detail).toContain('500.001.1001')
    expect(body.detail).toContain('Unable to lock subscriber')
    const list = (await (await gw.api('/api/v1/transactions?status=failed')).json()) as { data: any[] }
    expect(list.data).toHaveLength(1)
    expect(list.data[0]).toMatchObject({ phone: '254700000006', status: 'failed', result_code: '500.001.1001' })
  })

  it('254700000008 (held) stays pending until resolved through the emulator, then follows the result', async () => {
    gw = await startTestGateway()
    const { body } = await push(gw, '254700000008')
    // The emulator has nothing scheduled for a held prompt (settle() would wait for a callback).
    await gw.emulator!.settle()
    const pending = (await (await gw.api(`/api/v1/transactions/${body.transaction_id}`)).json()) as any
    expect(pending.transaction.status).toBe('pending')
    gw.emulator!.resolve(body.checkout_request_id, 1032)
    const t = await finalOf(gw, body.transaction_id)
    expect(t).toMatchObject({ status: 'failed', result_code: '1032' })
  })

  it('a duplicated callback (254700000007) is acknowledged and changes nothing', async () => {
    gw = await startTestGateway()
    const { body } = await push(gw, '254700000007')
    await finalOf(gw, body.transaction_id)
    await waitFor(() => gw!.emulator!.callbacks().filter((c) => c.kind === 'stk').length === 2, { what: 'both callbacks' })
    const stk = gw.emulator!.callbacks().filter((c) => c.kind === 'stk')
    expect(stk.map((c) => c.response?.status)).toEqual([200, 200])
    const finals = gw.logs.filter((l) => l.event === 'payment.final' && l.transaction_id === body.transaction_id)
    expect(finals).toHaveLength(1)
  })
})
