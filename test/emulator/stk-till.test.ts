import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody as gatewayStkBody, waitFor } from '../helpers/gateway.js'
import { bearer, getToken, http, queryBody, stkBody } from './helpers.js'
import { balanceBody, parseBalances } from './org-helpers.js'

/** A Buy Goods store: BusinessShortCode is the store (head office) number, PartyB the till. */
const STORE = '5318230'
const TILL = '5318237'
let em: RunningEmulator
let receiver: CallbackReceiver
let token: string

beforeEach(async () => {
  receiver = await startCallbackReceiver()
})
afterEach(async () => {
  await em?.close()
  await receiver.close()
})

const push = (phone: string, overrides: Record<string, unknown> = {}) =>
  http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, phone, `${receiver.url}/cb`, overrides) })

describe('STK push to a till (CustomerBuyGoodsOnline)', () => {
  beforeEach(async () => {
    em = await startEmulator({ callbackDelayMs: 5, shortcode: STORE, shortcodeType: 'till', tillNumber: TILL })
    token = await getToken(em)
  })

  it('pays into the till: same ack and callback as a paybill; the till\'s ledger grows', async () => {
    const res = await push('254711000001', { TransactionType: 'CustomerBuyGoodsOnline', PartyB: TILL, Amount: 120 })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ ResponseCode: '0', ResponseDescription: 'Success. Request accepted for processing' })
    const [cb] = await receiver.waitFor(1)
    expect(cb.headers.businessshortcode).toBe(STORE)
    expect((cb.json as any).Body.stkCallback).toMatchObject({ ResultCode: 0, CheckoutRequestID: res.body.CheckoutRequestID })
    const q = await http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body: queryBody(em, res.body.CheckoutRequestID) })
    expect(q.body.ResultCode).toBe('0')

    await http('POST', `${em.url}/mpesa/accountbalance/v1/query`, { headers: bearer(token), body: balanceBody(em, `${receiver.url}/bal`, { PartyA: TILL, IdentifierType: '2' }) })
    const [bal] = await receiver.waitFor(1, { filter: (r) => r.path === '/bal' })
    expect(parseBalances((bal.json as any).Result.ResultParameters.ResultParameter[0].Value)['Utility Account']).toBe(10_000_120)
  })

  it('CustomerPayBillOnline on a till is 400.002.02 Bad Request - Invalid TransactionType', async () => {
    const res = await push('254711000001', { TransactionType: 'CustomerPayBillOnline', PartyB: TILL })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid TransactionType' })
  })

  it('a PartyB that is not the store\'s till is taken, then fails with 2028', async () => {
    const res = await push('254711000001', { TransactionType: 'CustomerBuyGoodsOnline', PartyB: '5318299' })
    expect(res.status).toBe(200)
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback).toEqual({
      MerchantRequestID: res.body.MerchantRequestID,
      CheckoutRequestID: res.body.CheckoutRequestID,
      ResultCode: 2028,
      ResultDesc: 'The request is not permitted according to product assignment.',
    })
  })
})

describe('STK push to a paybill', () => {
  it('a PartyB other than the paybill fails with 2028 too', async () => {
    em = await startEmulator({ callbackDelayMs: 5 })
    token = await getToken(em)
    await push('254711000001', { PartyB: '600000' })
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback.ResultCode).toBe(2028)
  })
})

describe('the gateway on a till (DARAJA_TRANSACTION_TYPE=CustomerBuyGoodsOnline)', () => {
  it('its embedded emulator is a till store: pushes with DARAJA_PARTY_B as the till succeed', async () => {
    const gw = await startTestGateway({ env: { DARAJA_TRANSACTION_TYPE: 'CustomerBuyGoodsOnline', DARAJA_PARTY_B: TILL } })
    try {
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: gatewayStkBody({ phone: '254711000001' }) })
      expect(res.status).toBe(201)
      const { transaction_id } = (await res.json()) as { transaction_id: string }
      const sent = gw.emulator!.requests().find((r) => r.endpoint === 'stk_push')!.request.body as Record<string, unknown>
      expect(sent).toMatchObject({ TransactionType: 'CustomerBuyGoodsOnline', PartyB: TILL })
      const final = await waitFor(async () => {
        const t = ((await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: Record<string, unknown> }).transaction
        return t.status === 'pending' ? undefined : t
      })
      expect(final).toMatchObject({ status: 'success', result_code: '0' })
    } finally {
      await gw.close()
      removeDir(gw.dataDir)
    }
  })
})
