import { afterEach, describe, expect, it } from 'vitest'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  gw = undefined
})

describe('callback and reconciliation racing', () => {
  it('end in one final state, one payment event and one B2C per transaction', async () => {
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '0.1', MPG_EMULATOR_CALLBACK_DELAY_MS: '150' } })
    const ids: string[] = []
    for (let i = 0; i < 20; i++) {
      // Every third one sends its callback twice as well.
      const phone = i % 3 === 0 ? '254700000007' : '254712345678'
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone, reference: `RACE-${i}` }) })
      expect(res.status).toBe(201)
      ids.push(((await res.json()) as { transaction_id: string }).transaction_id)
    }
    await waitFor(
      async () => {
        const list = (await (await gw!.api('/api/v1/transactions?limit=100')).json()) as { data: Array<{ status: string; payout: { status: string } | null }> }
        return list.data.every((t) => t.status === 'success' && t.payout?.status === 'success')
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'every payment and payout to finish' },
    )
    await gw.emulator!.settle()
    const events = await gw.context.store.listEventsAfter(gw.bootstrap!.account_id, 'test', 0, 1000)
    for (const id of ids) {
      const mine = events.filter((e) => e.data.transaction_id === id)
      expect(mine.map((e) => e.event).sort()).toEqual(['payment.success', 'payout.success'])
    }
    const b2c = gw.emulator!.requests().filter((r) => r.endpoint === 'b2c_v3')
    expect(b2c).toHaveLength(ids.length)
    expect(gw.logs.filter((l) => l.event === 'payment.final')).toHaveLength(ids.length)
  })

  it('a callback and an STK Query answer arriving at the same moment finalise once', async () => {
    // 254700000005: Daraja has the payment but sends no callback, so the test delivers one
    // itself, at the very moment the reconciler asks STK Query.
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '3600' } })
    const ids: string[] = []
    for (let i = 0; i < 10; i++) {
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000005', reference: `R-${i}` }) })
      ids.push(((await res.json()) as { transaction_id: string }).transaction_id)
    }
    await new Promise((r) => setTimeout(r, 100))
    const pushes = gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')
    const callbacks = pushes.map((p) => {
      const req = p.request.body as { CallBackURL: string }
      const res = p.response.body as { MerchantRequestID: string; CheckoutRequestID: string }
      return fetch(req.CallBackURL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          Body: {
            stkCallback: {
              MerchantRequestID: res.MerchantRequestID,
              CheckoutRequestID: res.CheckoutRequestID,
              ResultCode: 0,
              ResultDesc: 'The service request is processed successfully.',
              CallbackMetadata: {
                Item: [
                  { Name: 'Amount', Value: 100 },
                  { Name: 'MpesaReceiptNumber', Value: 'UKR7TEST01' },
                  { Name: 'Balance' },
                  { Name: 'TransactionDate', Value: 20261127120000 },
                  { Name: 'PhoneNumber', Value: 254700000005 },
                ],
              },
            },
          },
        }),
      })
    })
    // Make every pending transaction due now, then race the two paths.
    const cutoffShift = gw.context.config.reconcileAfterS
    gw.context.config.reconcileAfterS = 0
    const pass = reconcileEverythingNow(gw)
    const answers = await Promise.all(callbacks)
    await pass
    gw.context.config.reconcileAfterS = cutoffShift
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
    const events = await gw.context.store.listEventsAfter(gw.bootstrap!.account_id, 'test', 0, 1000)
    for (const id of ids) {
      expect(events.filter((e) => e.data.transaction_id === id && e.event.startsWith('payment.'))).toHaveLength(1)
      const t = (await (await gw.api(`/api/v1/transactions/${id}`)).json()) as { transaction: { status: string } }
      expect(t.transaction.status).toBe('success')
    }
  })
})

/** One reconciliation pass over every pending transaction, whatever its age. */
async function reconcileEverythingNow(gw: TestGateway) {
  const { startReconciler } = await import('../../src/core/reconcile.js')
  const reconciler = startReconciler(gw.context)
  try {
    await reconciler.runOnce()
  } finally {
    reconciler.stop()
  }
}
