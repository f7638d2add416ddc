import { beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { darajaErrorSchema } from '../../src/schemas/daraja.js'
import { darajaTimestamp, stkPassword } from '../../src/utils/daraja-time.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, basic, bearer, getToken, http, queryBody, stkBody, type HttpAnswer } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

let em: RunningEmulator
let receiver: CallbackReceiver
emulatorPerTest({ callbackDelayMs: 10, token: false }, (rig) => ({ em, receiver } = rig))

function expectDarajaError(res: HttpAnswer, status: number, errorCode: string, errorMessage: string) {
  expect(res.status).toBe(status)
  expect(Object.keys(res.body)).toEqual(['requestId', 'errorCode', 'errorMessage'])
  expect(darajaErrorSchema.parse(res.body)).toMatchObject({ errorCode, errorMessage })
  expect(res.body.requestId).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d+$/)
}

const oauth = (query: string, authorization?: string) =>
  http('GET', `${em.url}/oauth/v1/generate${query}`, { headers: authorization ? { authorization } : {} })

describe('OAuth', () => {
  it('issues a 28-character token with expires_in as the string "3599"', async () => {
    const res = await oauth('?grant_type=client_credentials', basic(em.credentials.consumerKey, em.credentials.consumerSecret))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9]{28}$/), expires_in: '3599' })
  })

  it('400.008.02 for a missing or wrong grant_type', async () => {
    const auth = basic(em.credentials.consumerKey, em.credentials.consumerSecret)
    expectDarajaError(await oauth('', auth), 400, '400.008.02', 'Invalid grant type passed')
    expectDarajaError(await oauth('?grant_type=password', auth), 400, '400.008.02', 'Invalid grant type passed')
  })

  it('400.008.01 for a non-Basic or missing header; wrong credentials get 400 with an empty body', async () => {
    expectDarajaError(await oauth('?grant_type=client_credentials', 'Bearer abc'), 400, '400.008.01', 'Invalid Authentication passed')
    expectDarajaError(await oauth('?grant_type=client_credentials'), 400, '400.008.01', 'Invalid Authentication passed')
    const wrong = await oauth('?grant_type=client_credentials', basic(em.credentials.consumerKey, 'wrong'))
    expect([wrong.status, wrong.text]).toEqual([400, ''])
  })

  it('405.001 for POST', async () => {
    expectDarajaError(await http('POST', `${em.url}/oauth/v1/generate?grant_type=client_credentials`), 405, '405.001', 'Method Not Allowed')
  })

  it('honours custom credentials', async () => {
    const custom = await startEmulator({ consumerKey: 'k1', consumerSecret: 's1' })
    try {
      const ok = await http('GET', `${custom.url}/oauth/v1/generate?grant_type=client_credentials`, { headers: { authorization: basic('k1', 's1') } })
      expect(ok.status).toBe(200)
      const bad = await http('GET', `${custom.url}/oauth/v1/generate?grant_type=client_credentials`, {
        headers: { authorization: basic(em.credentials.consumerKey, em.credentials.consumerSecret) },
      })
      expect(bad.status).toBe(400)
    } finally {
      await custom.close()
    }
  })
})

describe('tokens', () => {
  it('expire after the TTL; a fresh token works again', async () => {
    // A fixed clock, moved by hand: the token's age is exactly what the test says.
    const short = await startEmulator({ tokenTtlS: 1, callbackDelayMs: 10, now: () => new Date('2026-11-29T10:00:00Z') })
    try {
      const res = await http('GET', `${short.url}/oauth/v1/generate?grant_type=client_credentials`, {
        headers: { authorization: basic(short.credentials.consumerKey, short.credentials.consumerSecret) },
      })
      expect(res.body.expires_in).toBe('1')
      const token = res.body.access_token
      const pushWith = (t: string) =>
        http('POST', `${short.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(t), body: stkBody(short, '254711000001', `${receiver.url}/cb`) })
      expect((await pushWith(token)).status).toBe(200)
      short.advanceClock(999)
      expect((await pushWith(token)).status).toBe(200)
      short.advanceClock(2)
      expectDarajaError(await pushWith(token), 404, '404.001.03', 'Invalid Access Token')
      expect((await pushWith(await getToken(short))).status).toBe(200)
    } finally {
      await short.close()
    }
  })

  it('a new token does not revoke the previous one (clients fetch one per call, concurrently)', async () => {
    const first = await getToken(em)
    await getToken(em)
    const res = await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(first), body: stkBody(em, '254711000001', `${receiver.url}/cb`) })
    expect(res.status).toBe(200)
  })

  it('STK answers a bad token 404.001.03; B2C answers 401.002.01 with an empty tail', async () => {
    expectDarajaError(
      await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer('nope'), body: stkBody(em, '254711000001', `${receiver.url}/cb`) }),
      404,
      '404.001.03',
      'Invalid Access Token',
    )
    expectDarajaError(
      await http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { body: queryBody(em, 'ws_CO_x') }),
      404,
      '404.001.03',
      'Invalid Access Token',
    )
    for (const version of ['v1', 'v3']) {
      expectDarajaError(
        await http('POST', `${em.url}/mpesa/b2c/${version}/paymentrequest`, { headers: bearer('nope'), body: b2cBody(em, '254711000001', `${receiver.url}/r`) }),
        401,
        '401.002.01',
        'Error Occurred - Invalid Access Token - ',
      )
    }
    expectDarajaError(
      await http('POST', `${em.url}/mpesa/b2c/v1/paymentrequest`, { body: b2cBody(em, '254711000001', `${receiver.url}/r`) }),
      401,
      '401.002.01',
      'Error Occurred - Invalid Access Token - ',
    )
  })
})

describe('paths and methods', () => {
  it('404.001.01 for an unknown path, with or without a token', async () => {
    const token = await getToken(em)
    for (const headers of [{}, bearer(token)]) {
      expectDarajaError(await http('POST', `${em.url}/mpesa/stkpush/v2/processrequest`, { headers }), 404, '404.001.01', 'Resource not found')
      expectDarajaError(await http('GET', `${em.url}/`, { headers }), 404, '404.001.01', 'Resource not found')
    }
  })

  it('405.001 for GET on a POST endpoint', async () => {
    for (const path of [
      '/mpesa/stkpush/v1/processrequest',
      '/mpesa/stkpushquery/v1/query',
      '/mpesa/b2c/v1/paymentrequest',
      '/mpesa/b2c/v3/paymentrequest',
      '/mpesa/accountbalance/v1/query',
      '/mpesa/reversal/v1/request',
      '/mpesa/c2b/v1/registerurl',
      '/mpesa/c2b/v2/registerurl',
      '/mpesa/c2b/v1/simulate',
      '/mpesa/c2b/v2/simulate',
    ]) {
      expectDarajaError(await http('GET', `${em.url}${path}`), 405, '405.001', 'Method Not Allowed')
    }
  })
})

describe('STK request checks', () => {
  let token: string
  beforeEach(async () => {
    token = await getToken(em)
  })
  const push = (body: unknown, raw?: string) =>
    http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, {
      headers: { ...bearer(token), ...(raw !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: raw === undefined ? body : undefined,
      raw,
    })
  const valid = () => stkBody(em, '254711000001', `${receiver.url}/cb`)

  const invalid: Array<[string, Record<string, unknown>]> = [
    ['BusinessShortCode', { BusinessShortCode: 'abc' }],
    ['BusinessShortCode', { BusinessShortCode: undefined }],
    ['Password', { Password: '' }],
    ['Timestamp', { Timestamp: '2024-01-01 10:00:00' }],
    ['Timestamp', { Timestamp: '20241301100000' }],
    ['TransactionType', { TransactionType: 'CustomerPayBillOnline ' }],
    ['Amount', { Amount: 4.99 }],
    ['Amount', { Amount: '4.99' }],
    ['Amount', { Amount: 0 }],
    ['Amount', { Amount: undefined }],
    ['PartyA', { PartyA: '0712345678' }],
    ['PartyB', { PartyB: 'x' }],
    ['PhoneNumber', { PhoneNumber: '+254712345678' }],
    ['PhoneNumber', { PhoneNumber: 25471234567 }],
    ['CallBackURL', { CallBackURL: ' https://example.com/cb' }],
    ['CallBackURL', { CallBackURL: 'not a url' }],
    ['CallBackURL', { CallBackURL: 'ftp://example.com/cb' }],
    ['AccountReference', { AccountReference: undefined }],
  ]
  for (const [field, patch] of invalid) {
    it(`400.002.02 Bad Request - Invalid ${field} for ${JSON.stringify(patch)}`, async () => {
      expectDarajaError(await push({ ...valid(), ...patch }), 400, '400.002.02', `Bad Request - Invalid ${field}`)
    })
  }

  it('a form-encoded body reads as Invalid BusinessShortCode (as Daraja FAQ 9 says)', async () => {
    expectDarajaError(await push(undefined, 'BusinessShortCode=174379'), 400, '400.002.02', 'Bad Request - Invalid BusinessShortCode')
  })

  it('CustomerBuyGoodsOnline on the paybill 174379 is Invalid TransactionType', async () => {
    expectDarajaError(await push({ ...valid(), TransactionType: 'CustomerBuyGoodsOnline' }), 400, '400.002.02', 'Bad Request - Invalid TransactionType')
  })

  it('500.001.1001 Merchant does not exist for another shortcode', async () => {
    const ts = darajaTimestamp()
    expectDarajaError(
      await push({ ...valid(), BusinessShortCode: '600000', Timestamp: ts, Password: stkPassword('600000', em.credentials.passkey, ts) }),
      500,
      '500.001.1001',
      'Merchant does not exist',
    )
  })

  it('500.001.1001 Wrong credentials for a bad passkey or a Timestamp that differs from the Password', async () => {
    const ts = darajaTimestamp()
    expectDarajaError(await push({ ...valid(), Timestamp: ts, Password: stkPassword('174379', 'wrong', ts) }), 500, '500.001.1001', 'Wrong credentials')
    expectDarajaError(await push({ ...valid(), Timestamp: '20200101000000' }), 500, '500.001.1001', 'Wrong credentials')
  })

  it('accepts numbers as JSON numbers or numeric strings, and a UTC timestamp', async () => {
    const utc = new Date().toISOString().replace(/[^0-9]/g, '').slice(0, -3)
    const res = await push({
      ...valid(),
      BusinessShortCode: 174379,
      Timestamp: utc,
      Password: stkPassword('174379', em.credentials.passkey, utc),
      Amount: '10',
      PartyA: 254711000001,
      PartyB: '174379',
      PhoneNumber: '254711000001',
    })
    expect(res.status).toBe(200)
    const [cb] = await receiver.waitFor(1)
    const items = (cb.json as any).Body.stkCallback.CallbackMetadata.Item
    expect(items[0]).toEqual({ Name: 'Amount', Value: 10 })
  })

  it('query checks fields and credentials too', async () => {
    const q = (body: unknown) => http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body })
    expectDarajaError(await q({ ...queryBody(em, 'ws_CO_1'), CheckoutRequestID: undefined }), 400, '400.002.02', 'Bad Request - Invalid CheckoutRequestID')
    expectDarajaError(await q({ ...queryBody(em, 'ws_CO_1'), Timestamp: '1' }), 400, '400.002.02', 'Bad Request - Invalid Timestamp')
    expectDarajaError(await q({ ...queryBody(em, 'ws_CO_1'), Password: 'eA==' }), 500, '500.001.1001', 'Wrong credentials')
  })
})

describe('faults reach the new APIs', () => {
  it('an error fault on account_balance, reversal or c2b answers with that error instead', async () => {
    const token = await getToken(em)
    for (const [endpoint, path] of [
      ['account_balance', '/mpesa/accountbalance/v1/query'],
      ['reversal', '/mpesa/reversal/v1/request'],
      ['c2b', '/mpesa/c2b/v1/registerurl'],
    ] as const) {
      em.setFault({ kind: 'error', endpoint, status: 500, errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation', count: 1 })
      expectDarajaError(await http('POST', `${em.url}${path}`, { headers: bearer(token), body: {} }), 500, '500.003.02', 'Error Occurred: Spike Arrest Violation')
      // Used up: the next call reaches the API (and fails its own validation).
      expect((await http('POST', `${em.url}${path}`, { headers: bearer(token), body: {} })).status).toBe(400)
    }
  })
})
