import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { bearer, http } from './helpers.js'
import { emulatorPerTest } from './per-test.js'
import { balanceBody, parseBalances } from './org-helpers.js'

let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
// A validation answer has 1.5 s: the receiver answers at once, and a loaded machine's pause of a few
// hundred ms must not turn that into "no answer" (the timeout's timer runs before the answer's I/O).
emulatorPerTest({ callbackDelayMs: 5, c2bValidationTimeoutMs: 1500 }, (rig) => ({ em, receiver, token } = rig))

const SHORTCODE = '600426'
const register = (body: Record<string, unknown>, version = 'v1', auth = bearer(token)) =>
  http('POST', `${em.url}/mpesa/c2b/${version}/registerurl`, { headers: auth, body })
const registration = (overrides: Record<string, unknown> = {}) => ({
  ShortCode: SHORTCODE,
  ResponseType: 'Completed',
  ConfirmationURL: `${receiver.url}/c2b/confirmation`,
  ValidationURL: `${receiver.url}/c2b/validation`,
  ...overrides,
})
const simulate = (overrides: Record<string, unknown> = {}, version = 'v1') =>
  http('POST', `${em.url}/mpesa/c2b/${version}/simulate`, {
    headers: bearer(token),
    body: { ShortCode: SHORTCODE, CommandID: 'CustomerPayBillOnline', Amount: 10, Msisdn: 254708374149, BillRefNumber: 'invoice008', ...overrides },
  })
const isValidation = (r: { path: string }) => r.path === '/c2b/validation'
const isConfirmation = (r: { path: string }) => r.path === '/c2b/confirmation'
const c2bState = async () => (await http('GET', `${em.url}/__emulator/c2b`)).body
async function utility(shortcode = SHORTCODE): Promise<number> {
  await http('POST', `${em.url}/mpesa/accountbalance/v1/query`, { headers: bearer(token), body: balanceBody(em, `${receiver.url}/bal`, { PartyA: shortcode }) })
  const [cb] = await receiver.waitFor(1, { filter: (r) => r.path === '/bal' })
  const value = (cb.json as any).Result.ResultParameters.ResultParameter[0].Value
  return parseBalances(value)['Utility Account']
}

describe('C2B register URL', () => {
  it('v1 and v2 answer with Daraja\'s OriginatorCoversationID (sic) and eight zeros; re-registering overwrites', async () => {
    for (const version of ['v1', 'v2']) {
      const res = await register(registration(), version)
      expect(res.status).toBe(200)
      expect(Object.keys(res.body)).toEqual(['OriginatorCoversationID', 'ResponseCode', 'ResponseDescription'])
      expect(res.body).toMatchObject({ ResponseCode: '00000000', ResponseDescription: 'Success' })
    }
    await register(registration({ ResponseType: 'Cancelled' }))
    const state = await c2bState()
    expect(state.registrations).toEqual([
      expect.objectContaining({ shortcode: SHORTCODE, version: 'v1', response_type: 'Cancelled', confirmation_url: `${receiver.url}/c2b/confirmation` }),
    ])
  })

  for (const [field, patch] of [
    ['ShortCode', { ShortCode: '12' }],
    ['ResponseType', { ResponseType: 'completed' }],
    ['ResponseType', { ResponseType: undefined }],
    ['ConfirmationURL', { ConfirmationURL: 'nope' }],
    ['ConfirmationURL', { ConfirmationURL: 'https://shop.example/mpesa/confirm' }],
    ['ValidationURL', { ValidationURL: 'https://shop.example/Safaricom/validate' }],
    ['ValidationURL', { ValidationURL: 'https://shop.example/v?query=1' }],
  ] as const) {
    it(`400.002.02 Bad Request - Invalid ${field} for ${JSON.stringify(patch)}`, async () => {
      const res = await register(registration(patch))
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: `Bad Request - Invalid ${field}` })
    })
  }

  it('a bad token is 400.003.01 Invalid Access Token; a body that is not JSON 400.002.05', async () => {
    const res = await register(registration(), 'v1', bearer('stale'))
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errorCode: '400.003.01', errorMessage: 'Invalid Access Token' })
    const raw = await http('POST', `${em.url}/mpesa/c2b/v2/registerurl`, { headers: bearer(token), raw: 'ShortCode=600426' })
    expect(raw.body).toMatchObject({ errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' })
  })
})

describe('C2B simulate', () => {
  it('accepted validation: the confirmation follows with the new balance, and the money lands in the ledger', async () => {
    await register(registration())
    const before = await utility()
    receiver.clear()
    const res = await simulate({ Amount: '10' })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body)).toEqual(['OriginatorCoversationID', 'ResponseCode', 'ResponseDescription'])
    expect(res.body).toMatchObject({ ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' })

    const [validation] = await receiver.waitFor(1, { filter: isValidation })
    const [confirmation] = await receiver.waitFor(1, { filter: isConfirmation })
    expect(validation.headers['content-type']).toBe('application/json;charset=UTF-8')
    const v = validation.json as Record<string, unknown>
    expect(Object.keys(v)).toEqual(['TransactionType', 'TransID', 'TransTime', 'TransAmount', 'BusinessShortCode', 'BillRefNumber', 'InvoiceNumber', 'OrgAccountBalance', 'ThirdPartyTransID', 'MSISDN', 'FirstName', 'MiddleName', 'LastName'])
    expect(v).toMatchObject({ TransactionType: 'Pay Bill', TransAmount: '10.00', BusinessShortCode: SHORTCODE, BillRefNumber: 'invoice008', InvoiceNumber: '', OrgAccountBalance: '', ThirdPartyTransID: '', MSISDN: '254708374149', FirstName: 'John', MiddleName: '', LastName: 'Doe' })
    expect(v.TransID).toMatch(/^[L-Z][A-L][1-9A-V]\d[0-9A-Z]{6}$/)
    expect(v.TransTime).toMatch(/^20\d{12}$/)
    const c = confirmation.json as Record<string, unknown>
    expect(c).toMatchObject({ TransID: v.TransID, TransAmount: '10.00', OrgAccountBalance: (before + 10).toFixed(2) })
    receiver.clear()
    expect(await utility()).toBe(before + 10)
    expect((await c2bState()).payments[0]).toMatchObject({ trans_id: v.TransID, status: 'completed', validation: 'accepted', validation_result_code: '0' })
  })

  it('a rejecting validation (C2B00012) stops the payment: no confirmation, no money', async () => {
    await register(registration())
    const before = await utility()
    receiver.clear()
    receiver.answerWith({ status: 200, body: '{"ResultCode":"C2B00012","ResultDesc":"Rejected"}', headers: { 'content-type': 'application/json' } })
    await simulate()
    await receiver.waitFor(1, { filter: isValidation })
    await em.settle()
    expect(receiver.received().filter(isConfirmation)).toHaveLength(0)
    expect((await c2bState()).payments[0]).toMatchObject({ status: 'rejected', validation: 'rejected', validation_result_code: 'C2B00012' })
    receiver.answerWith({ status: 200, body: '{"ResultCode":0,"ResultDesc":"Accepted"}' })
    receiver.clear()
    expect(await utility()).toBe(before)
  })

  for (const [responseType, ends] of [
    ['Completed', 'completed'],
    ['Cancelled', 'cancelled'],
  ] as const) {
    it(`no validation answer within the timeout: ResponseType ${responseType} → ${ends}`, async () => {
      await register(registration({ ResponseType: responseType }))
      receiver.answerWith({ status: 200, body: '{"ResultCode":"0"}', delayMs: 2500 })
      await simulate()
      await em.settle()
      const [payment] = (await c2bState()).payments
      expect(payment).toMatchObject({ status: ends, validation: 'no_answer' })
      const validation = em.callbacks().find((e) => e.kind === 'c2b_validation')!
      expect(validation.response).toBeNull()
      expect(validation.error).toBeTruthy()
      const confirmations = em.callbacks().filter((e) => e.kind === 'c2b_confirmation')
      expect(confirmations).toHaveLength(ends === 'completed' ? 1 : 0)
    })
  }

  it('a validation URL that answers 500 or no ResultCode counts as no answer too', async () => {
    await register(registration({ ResponseType: 'Cancelled' }))
    receiver.answerWith({ status: 500, body: 'oops' })
    await simulate()
    await em.settle()
    expect((await c2bState()).payments[0]).toMatchObject({ status: 'cancelled', validation: 'no_answer' })
  })

  it('v2 masks the payer\'s number; a till payment is "Buy Goods" and needs no BillRefNumber', async () => {
    await register(registration(), 'v2')
    await simulate({ CommandID: 'CustomerBuyGoodsOnline', BillRefNumber: null, Msisdn: '254712345126' }, 'v2')
    const [validation] = await receiver.waitFor(1, { filter: isValidation })
    expect(validation.json).toMatchObject({ TransactionType: 'Buy Goods', BillRefNumber: '', MSISDN: '2547 ***** 126' })
  })

  it('scenarios: Daraja loses the notifications ("callback": "none"), or sends the confirmation twice', async () => {
    await register(registration())
    em.setScenario({ product: 'c2b', next: true, callback: 'none' })
    await simulate()
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
    expect((await c2bState()).payments[0]).toMatchObject({ status: 'lost', validation: null })
    em.setScenario({ product: 'c2b', phone: '254711000777', callback: 'twice' })
    await simulate({ Msisdn: '254711000777' })
    const confirmations = await receiver.waitFor(2, { filter: isConfirmation })
    expect(confirmations[0].text).toBe(confirmations[1].text)
  })

  it('a shortcode without registered URLs: accepted, nothing is sent', async () => {
    expect((await simulate({ ShortCode: '600999' })).status).toBe(200)
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
    expect((await c2bState()).payments[0]).toMatchObject({ shortcode: '600999', status: 'lost' })
  })

  for (const [field, patch] of [
    ['ShortCode', { ShortCode: undefined }],
    ['CommandID', { CommandID: 'BusinessPayment' }],
    ['Amount', { Amount: 1.5 }],
    ['Msisdn', { Msisdn: '0708374149' }],
    ['BillRefNumber', { BillRefNumber: undefined }],
  ] as const) {
    it(`simulate: 400.002.02 Bad Request - Invalid ${field}`, async () => {
      const res = await simulate(patch)
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: `Bad Request - Invalid ${field}` })
    })
  }
})
