import { afterEach, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

/**
 * While a prompt is open the real sandbox answers STK Query with HTTP 200 ResultCode "4999"
 * (Deval123/nkap docs/providers/m-pesa.md, 2026-09-23 and 2026-10-02) or, for some users, HTTP 500
 * `500.001.1001` with an empty errorMessage (same source, run 1 of 2026-10-02). Both mean "not yet".
 */
let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
})

for (const form of ['4999', '500'] as const) {
  it(`the reconciler treats the in-flight ${form === '4999' ? 'HTTP 200 "4999"' : 'HTTP 500 500.001.1001'} answer as "not yet", then follows the result`, async () => {
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '0.05' } })
    gw.emulator!.setScenario({ phone: '254711000321', hold: true, callback: 'none', in_flight_query: form })
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254711000321' }) })
    const push = (await res.json()) as { transaction_id: string; checkout_request_id: string }
    expect(res.status).toBe(201)

    const inFlight = () => gw!.emulator!.requests().filter((r) => r.endpoint === 'stk_query')
    await waitFor(() => inFlight().length >= 3, { what: 'three reconcile queries' })
    expect(inFlight().every((r) => r.status === (form === '4999' ? 200 : 500))).toBe(true)
    const pending = (await (await gw.api(`/api/v1/transactions/${push.transaction_id}`)).json()) as { transaction: Record<string, unknown> }
    expect(pending.transaction).toMatchObject({ status: 'pending', result_code: null })

    // The prompt is answered; no callback comes (callback: none), so only the query can tell.
    gw.emulator!.resolve(push.checkout_request_id, 1032)
    const final = await waitFor(async () => {
      const body = (await (await gw!.api(`/api/v1/transactions/${push.transaction_id}`)).json()) as { transaction: Record<string, unknown> }
      return body.transaction.status === 'pending' ? undefined : body.transaction
    })
    expect(final).toMatchObject({ status: 'failed', result_code: '1032' })
  })
}
