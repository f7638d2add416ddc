import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, basic, bearer, http, queryBody, stkBody } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

/**
 * The seven places where the emulator answered differently from today's real sandbox (2025–26
 * captures). Each test names the public capture its fact comes from.
 */
let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 20 }, (rig) => ({ em, receiver, token } = rig))

const push = (phone: string, overrides: Record<string, unknown> = {}) =>
  http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, {
    headers: bearer(token),
    body: stkBody(em, phone, `${receiver.url}/cb`, overrides),
  })
const query = (id: string) => http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body: queryBody(em, id) })

describe('1. STK query while the payment is in flight', () => {
  // Deval123/nkap docs/providers/m-pesa.md (runs of 2026-09-23 and 2026-10-02), all-black-493/paysync
  // NOTES.md, JafarHussein/umoja-hub 08_REAL_STK_FEASIBILITY.md (2026-08-17): HTTP 200, ResultCode "4999".
  it('answers HTTP 200 with ResultCode "4999" "The transaction is still under processing" by default', async () => {
    em.setScenario({ phone: '254711000001', hold: true })
    const res = await push('254711000001')
    const id = res.body.CheckoutRequestID
    const q = await query(id)
    expect(q.status).toBe(200)
    expect(q.body).toEqual({
      ResponseCode: '0',
      ResponseDescription: 'The service request has been accepted successfully',
      MerchantRequestID: res.body.MerchantRequestID,
      CheckoutRequestID: id,
      ResultCode: '4999',
      ResultDesc: 'The transaction is still under processing',
    })
  })

  // Deval123/nkap docs/providers/m-pesa.md, run 1 of 2026-10-02: 500.001.1001 with an empty errorMessage.
  it('answers HTTP 500 500.001.1001 with an empty errorMessage when a scenario asks for that form', async () => {
    em.setScenario({ phone: '254711000002', hold: true, in_flight_query: '500' })
    const res = await push('254711000002')
    const id = res.body.CheckoutRequestID
    const q = await query(id)
    expect(q.status).toBe(500)
    expect(q.body).toEqual({ requestId: id, errorCode: '500.001.1001', errorMessage: '' })
    em.resolve(id, 0)
    expect((await query(id)).body.ResultCode).toBe('0')
  })
})

describe('2. TransactionDesc missing or null', () => {
  // JafarHussein/umoja-hub 08_REAL_STK_FEASIBILITY.md §3: "omitting it returns 400.002.02 Bad Request - Invalid Remarks".
  for (const patch of [{ TransactionDesc: undefined }, { TransactionDesc: null }]) {
    it(`is 400.002.02 Bad Request - Invalid Remarks for ${JSON.stringify(patch)}`, async () => {
      const res = await push('254711000003', patch)
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid Remarks' })
      expect(Object.keys(res.body)).toEqual(['requestId', 'errorCode', 'errorMessage'])
    })
  }
})

describe('3. OAuth with a wrong key or secret', () => {
  // JafarHussein/umoja-hub 08_REAL_STK_FEASIBILITY.md §2: credentials the API does not know → "HTTP 400, empty body".
  it('answers HTTP 400 with an empty body', async () => {
    for (const [key, secret] of [
      [em.credentials.consumerKey, 'wrong'],
      ['wrong', em.credentials.consumerSecret],
    ]) {
      const res = await http('GET', `${em.url}/oauth/v1/generate?grant_type=client_credentials`, { headers: { authorization: basic(key, secret) } })
      expect(res.status).toBe(400)
      expect(res.text).toBe('')
    }
  })

  it('still answers a missing grant_type with the JSON envelope', async () => {
    const res = await http('GET', `${em.url}/oauth/v1/generate`, { headers: { authorization: basic('wrong', 'wrong') } })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errorCode: '400.008.02', errorMessage: 'Invalid grant type passed' })
  })
})

describe('4. B2C SecurityCredential encrypted with a certificate', () => {
  const require = createRequire(import.meta.url)
  const certPath = require.resolve('mpesa-node/keys/sandbox-cert.cer')
  const pay = (body: Record<string, unknown>) => http('POST', `${em.url}/mpesa/b2c/v1/paymentrequest`, { headers: bearer(token), body })

  it('accepts base64 of an RSA-sized block (256 or 512 bytes) and pays', async () => {
    // A real client's credential: the initiator password, RSA-encrypted with Safaricom's sandbox certificate.
    const { publicEncrypt, constants } = await import('node:crypto')
    const rsa2048 = publicEncrypt({ key: readFileSync(certPath), padding: constants.RSA_PKCS1_PADDING }, Buffer.from('Safaricom999!*!')).toString('base64')
    const rsa4096 = Buffer.alloc(512, 7).toString('base64')
    for (const credential of [rsa2048, rsa4096]) {
      expect((await pay(b2cBody(em, '254711000004', `${receiver.url}/r`, { SecurityCredential: credential }))).status).toBe(200)
    }
    const results = await receiver.waitFor(2)
    expect(results.map((r) => (r.json as any).Result.ResultCode)).toEqual([0, 0])
  })

  it('keeps the printed plain credential working, and gives 2001 for other credentials or the documented scenario', async () => {
    await pay(b2cBody(em, '254711000005', `${receiver.url}/r`))
    await receiver.waitFor(1)
    await pay(b2cBody(em, '254711000005', `${receiver.url}/r`, { SecurityCredential: Buffer.alloc(100, 1).toString('base64') }))
    await receiver.waitFor(2)
    em.setScenario({ product: 'b2c', next: true, outcome: 'initiator_invalid' })
    await pay(b2cBody(em, '254711000005', `${receiver.url}/r`))
    const results = await receiver.waitFor(3)
    expect(results.map((r) => (r.json as any).Result.ResultCode)).toEqual([0, 2001, 2001])
  })
})

describe('5. Query texts differ from callback texts', () => {
  // Deval123/nkap docs/providers/m-pesa.md, run 1 of 2026-10-02, and all-black-493/paysync NOTES.md:
  // the query said "Request Cancelled by user." while the callback sample says "Request cancelled by user".
  it('1032: the callback says "Request cancelled by user", the query "Request Cancelled by user."', async () => {
    const res = await push('254700000001')
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback.ResultDesc).toBe('Request cancelled by user')
    const q = await query(res.body.CheckoutRequestID)
    expect(q.body).toMatchObject({ ResultCode: '1032', ResultDesc: 'Request Cancelled by user.' })
  })
})

describe('6. B2C result balances, B2C 401 text and receipts', () => {
  // A real sandbox B2C result of 2021 (receipt PA76E82NVI, published in public client code) carries
  // `"B2CUtilityAccountAvailableFunds": 4974.73` and `"B2CWorkingAccountAvailableFunds": 0.0`;
  // Safaricom's B2C sample has 8959269.60, 1199371.00, -1980.00: decimals on the wire, never integers.
  it('sends the account balances as JSON decimals', async () => {
    await http('POST', `${em.url}/mpesa/b2c/v1/paymentrequest`, { headers: bearer(token), body: b2cBody(em, '254711000006', `${receiver.url}/r`) })
    const [cb] = await receiver.waitFor(1)
    for (const key of ['B2CUtilityAccountAvailableFunds', 'B2CWorkingAccountAvailableFunds', 'B2CChargesPaidAccountAvailableFunds']) {
      expect(cb.text).toMatch(new RegExp(`"Key":"${key}","Value":-?\\d+\\.\\d+}`))
    }
  })

  // newtonmunene99/mpesa-api __tests__/fixtures/sandbox/b2c-pochi.json (HTTP 401): "Error Occurred - Invalid Access Token - ".
  it('401.002.01 ends with an empty tail, never the caller\'s token', async () => {
    const res = await http('POST', `${em.url}/mpesa/b2c/v1/paymentrequest`, { headers: bearer('some-stale-token'), body: b2cBody(em, '254711000007', `${receiver.url}/r`) })
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ errorCode: '401.002.01', errorMessage: 'Error Occurred - Invalid Access Token - ' })
  })

  // Every real receipt seen has a digit 4th: UJ22T8IYOU (Deval123/nkap 2026-10-02), SG632NMUAB, NLJ7RT61SV, PA76E82NVI.
  it('receipts have a digit as their 4th character', async () => {
    for (let i = 0; i < 20; i++) await push(`2547110001${String(i).padStart(2, '0')}`)
    const cbs = await receiver.waitFor(20)
    const receipts = cbs.map((cb) => (cb.json as any).Body.stkCallback.CallbackMetadata.Item[1].Value as string)
    for (const receipt of receipts) expect(receipt).toMatch(/^[L-Z][A-L][1-9A-V]\d[0-9A-Z]{6}$/)
  })
})

describe('7. The generic test number', () => {
  // Deval123/nkap docs/providers/m-pesa.md: on the real sandbox 254708374149 now answers 1037 after ~26 s
  // or stays 4999 for minutes. The default profile keeps it paying fast; the README says so plainly.
  it('pays after the callback delay in the default profile, and the README says the real sandbox does not', async () => {
    const res = await push('254708374149')
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback.ResultCode).toBe(0)
    expect((await query(res.body.CheckoutRequestID)).body.ResultCode).toBe('0')
    const readme = readFileSync(new URL('../../emulator/README.md', import.meta.url), 'utf8')
    expect(readme).toMatch(/254708374149[^\n]*1037[^\n]*26 s/)
  })
})
