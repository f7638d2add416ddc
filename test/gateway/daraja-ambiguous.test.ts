import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { startLossyProxy } from '../helpers/lossy-proxy.js'

let emulator: RunningEmulator | undefined
let proxy: { close(): Promise<void> } | undefined
let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  await proxy?.close()
  await emulator?.close()
})

describe('a Daraja answer that may hide an accepted push', () => {
  it('a 502 page from a proxy is not a refusal: the payment stays pending and its callback settles it', async () => {
    emulator = await startEmulator({ callbackDelayMs: 50 })
    const lossy = await startLossyProxy(emulator.url)
    proxy = lossy
    gw = await startTestGateway({ env: { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: lossy.url } })
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), headers: { 'idempotency-key': 'lossy-1' } })
    expect(res.status).toBe(502)
    const replay = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), headers: { 'idempotency-key': 'lossy-1' } })
    expect(replay.status).toBe(200)
    const { transaction_id } = (await replay.json()) as { transaction_id: string }
    const t = await waitFor(async () => {
      const body = (await (await gw!.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string; mpesa_receipt_number: string | null } }
      return body.transaction.status === 'pending' ? undefined : body.transaction
    })
    expect(t.status).toBe('success')
    expect(t.mpesa_receipt_number).toMatch(/^[A-Z0-9]{10}$/)
    expect(emulator.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(1)
  })

  it('a push Daraja never confirmed (answer lost, no callback) ends failed after MPG_UNCONFIRMED_PUSH_TIMEOUT_S; a success that still comes is its late_success', async () => {
    emulator = await startEmulator({ callbackDelayMs: 50 })
    const lossy = await startLossyProxy(emulator.url)
    proxy = lossy
    gw = await startTestGateway({
      env: { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: lossy.url, DARAJA_TIMEOUT_MS: '300', MPG_RECONCILE_AFTER_S: '0.1', MPG_UNCONFIRMED_PUSH_TIMEOUT_S: '0.6' },
    })
    // 254700000008: the prompt is held at the phone, so no callback comes until the test answers for the customer.
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000008' }), headers: { 'idempotency-key': 'unconfirmed-1' } })
    expect(res.status).toBe(502)
    const replay = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000008' }), headers: { 'idempotency-key': 'unconfirmed-1' } })
    const { transaction_id } = (await replay.json()) as { transaction_id: string }
    type View = { status: string; result_code: string | null; result_desc: string | null; checkout_request_id: string | null; late_success: { mpesa_receipt_number: string } | null }
    const view = async () => ((await (await gw!.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: View }).transaction
    const events = async () => ((await (await gw!.api(`/api/v1/transactions/${transaction_id}/events`)).json()) as { data: Array<{ event: string }> }).data.map((e) => e.event)

    const failed = await waitFor(async () => ((await view()).status === 'failed' ? view() : undefined), { timeoutMs: 10_000, what: 'the unconfirmed push declared failed' })
    expect(failed).toMatchObject({ status: 'failed', result_code: null, result_desc: 'Daraja never confirmed the STK push', checkout_request_id: null, late_success: null })
    expect(await events()).toEqual(['payment.failed'])

    // The customer answers the prompt after all: the money is taken, the payment stays failed with one event.
    const [push] = emulator.requests().filter((r) => r.endpoint === 'stk_push')
    const checkoutRequestId = (push.response.body as { CheckoutRequestID: string }).CheckoutRequestID
    emulator.resolve(checkoutRequestId, 0)
    const late = await waitFor(async () => (await view()).late_success, { timeoutMs: 10_000, what: 'the late success recorded' })
    expect(late.mpesa_receipt_number).toBe(emulator.transaction(checkoutRequestId)!.receipt)
    expect((await view()).status).toBe('failed')
    expect(await events()).toEqual(['payment.failed'])
  })
})
