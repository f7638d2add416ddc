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
    // Every push answered by Daraja and its answer stored: both paths can now find each payment.
    await waitFor(async () => {
      const stored = await Promise.all(ids.map((id) => gw!.context.store.getTransaction(id)))
      return stored.every((t) => t?.checkout_request_id)
    }, { what: 'the pushes to be stored with their CheckoutRequestID' })
    // And Daraja's side final (the emulator's short processing delay over, on a loaded machine
    // too): otherwise STK Query answers 4999 and the reconciler has nothing to race with.
    await gw.emulator!.settle()
    const pushes = gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')
    // The race itself: the first compare-and-set of each payment is held until a second one (the
    // other path) arrives, so both really meet at the store with the payment still pending.
    const raced = holdFirstTransitionUntilSecond(gw)
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
    // Race the two paths, with every pending transaction due now for this pass only.
    const pass = reconcileEverythingNow(gw)
    const answers = await Promise.all(callbacks)
    await pass
    // Both paths reached the store's compare-and-set for every payment: it was a race.
    expect(ids.filter((id) => !raced.has(id))).toEqual([])
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'stk_query')).toHaveLength(ids.length)
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
    const events = await gw.context.store.listEventsAfter(gw.bootstrap!.account_id, 'test', 0, 1000)
    for (const id of ids) {
      expect(events.filter((e) => e.data.transaction_id === id && e.event.startsWith('payment.'))).toHaveLength(1)
      const t = (await (await gw.api(`/api/v1/transactions/${id}`)).json()) as { transaction: { status: string } }
      expect(t.transaction.status).toBe('success')
    }
  })
})

/**
 * Wraps the running store's transition: for each transaction, the first call waits (at most 5 s)
 * for a second before either goes on. Returns the transactions where a second call came while
 * the first was held, i.e. both paths were at the compare-and-set with the payment pending.
 */
function holdFirstTransitionUntilSecond(gw: TestGateway): Set<string> {
  const store = gw.context.store
  const transition = store.transition.bind(store)
  const seen = new Set<string>()
  const held = new Map<string, () => void>()
  const raced = new Set<string>()
  store.transition = async (input) => {
    const id = input.transactionId
    if (!seen.has(id)) {
      seen.add(id)
      await new Promise<void>((resolve) => {
        const release = () => {
          clearTimeout(timer)
          held.delete(id)
          resolve()
        }
        // A guard, not a bound: the other path comes within a batch of the reconcile pass (five
        // STK Queries), which a loaded machine can stretch to seconds.
        const timer = setTimeout(release, 15_000)
        held.set(id, release)
      })
    } else if (held.has(id)) {
      raced.add(id)
      held.get(id)!()
    }
    return transition(input)
  }
  return raced
}

/**
 * One reconciliation pass over every pending transaction, whatever its age. Its own copy of the
 * config says so: the gateway's background reconciler keeps its hour (with the shared config set
 * to 0, a background pass falling in the race's window, as a loaded machine's slower run can make
 * it, asked STK Query a second time).
 */
async function reconcileEverythingNow(gw: TestGateway) {
  const { startReconciler } = await import('../../src/core/reconcile.js')
  const reconciler = startReconciler({ ...gw.context, config: { ...gw.context.config, reconcileAfterS: 0 } })
  try {
    await reconciler.runOnce()
  } finally {
    reconciler.stop()
  }
}
