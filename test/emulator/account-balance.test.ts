import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, bearer, http, stkBody } from './helpers.js'
import { emulatorPerTest } from './per-test.js'
import { balanceBody, parseBalances } from './org-helpers.js'

let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 5 }, (rig) => ({ em, receiver, token } = rig))

const query = (body: unknown, auth = bearer(token)) => http('POST', `${em.url}/mpesa/accountbalance/v1/query`, { headers: auth, body })
const balances = async (shortcode = em.credentials.shortcode) => {
  receiver.clear()
  const ack = await query(balanceBody(em, `${receiver.url}/balance`, { PartyA: shortcode }))
  expect(ack.status).toBe(200)
  const [cb] = await receiver.waitFor(1, { filter: (r) => r.path === '/balance' })
  const params = (cb.json as any).Result.ResultParameters.ResultParameter as Array<{ Key: string; Value: unknown }>
  return parseBalances(params.find((p) => p.Key === 'AccountBalance')!.Value as string)
}

describe('Account Balance', () => {
  it('acknowledges, then posts the five accounts of PartyA to ResultURL, field by field', async () => {
    const ack = await query(balanceBody(em, `${receiver.url}/balance`))
    expect(ack.status).toBe(200)
    expect(Object.keys(ack.body)).toEqual(['OriginatorConversationID', 'ConversationID', 'ResponseCode', 'ResponseDescription'])
    expect(ack.body).toMatchObject({ ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' })
    expect(ack.body.ConversationID).toMatch(/^AG_\d{8}_[0-9a-z]{20}$/)

    const [cb] = await receiver.waitFor(1)
    expect(cb.path).toBe('/balance')
    expect(cb.headers['content-type']).toBe('application/json;charset=UTF-8')
    const result = (cb.json as any).Result
    expect(Object.keys(result)).toEqual(['ResultType', 'ResultCode', 'ResultDesc', 'OriginatorConversationID', 'ConversationID', 'TransactionID', 'ResultParameters', 'ReferenceData'])
    expect(result).toMatchObject({
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: 'The service request is processed successfully.',
      OriginatorConversationID: ack.body.OriginatorConversationID,
      ConversationID: ack.body.ConversationID,
      ReferenceData: { ReferenceItem: { Key: 'QueueTimeoutURL', Value: 'https://internalsandbox.safaricom.co.ke/mpesa/abresults/v1/submit' } },
    })
    expect(result.TransactionID).toMatch(/^[L-Z][A-L][1-9A-V]0{7}$/)
    const [balance, completed] = result.ResultParameters.ResultParameter
    expect(balance.Key).toBe('AccountBalance')
    expect(balance.Value).toBe(
      'Working Account|KES|1199371.00|1199371.00|0.00|0.00&Float Account|KES|0.00|0.00|0.00|0.00&Utility Account|KES|10000000.00|10000000.00|0.00|0.00&Charges Paid Account|KES|-1980.00|-1980.00|0.00|0.00&Organization Settlement Account|KES|0.00|0.00|0.00|0.00',
    )
    expect(completed.Key).toBe('BOCompletedTime')
    expect(String(completed.Value)).toMatch(/^20\d{12}$/)
    expect(typeof completed.Value).toBe('number')
  })

  it('moves with STK payments into the paybill and B2C payouts out of the B2C shortcode: one ledger per shortcode', async () => {
    const before = await balances()
    for (const amount of [100, 250]) {
      await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, '254711000001', `${receiver.url}/stk`, { Amount: amount }) })
    }
    await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, '254700000001', `${receiver.url}/stk`, { Amount: 999 }) })
    await em.settle()
    expect((await balances())['Utility Account']).toBe(before['Utility Account'] + 350)

    const b2cBefore = await balances(em.credentials.b2cShortcode)
    await http('POST', `${em.url}/mpesa/b2c/v1/paymentrequest`, { headers: bearer(token), body: b2cBody(em, '254711000002', `${receiver.url}/b2c`, { Amount: 40 }) })
    await em.settle()
    const b2cAfter = await balances(em.credentials.b2cShortcode)
    expect(b2cAfter['Utility Account']).toBe(b2cBefore['Utility Account'] - 40)
    // The paybill's ledger is untouched by the payout.
    expect((await balances())['Utility Account']).toBe(before['Utility Account'] + 350)
  })

  it('a wrong initiator or credential gets 2001; a scenario forces 8006 with the captured failure shape', async () => {
    await query(balanceBody(em, `${receiver.url}/a`, { SecurityCredential: 'bm9wZQ==' }))
    const [bad] = await receiver.waitFor(1)
    expect((bad.json as any).Result).toMatchObject({ ResultCode: 2001, ResultDesc: 'The initiator information is invalid.' })

    em.setScenario({ product: 'balance', next: true, outcome: 'credential_locked' })
    await query(balanceBody(em, `${receiver.url}/b`))
    const [, locked] = await receiver.waitFor(2)
    const result = (locked.json as any).Result
    expect(result).toMatchObject({ ResultType: 0, ResultCode: 8006, ResultDesc: 'The security credential is locked.', ReferenceData: { ReferenceItem: { Key: 'QueueTimeoutURL' } } })
    expect(result.ReferenceData.ReferenceItem.Value).toBeUndefined()
    const params = result.ResultParameters.ResultParameter
    expect(params.map((p: any) => p.Key)).toEqual(['ActionType', 'ErrorMsg', 'BOCompletedTime'])
    expect(params[0].Value).toBe('AccountBalance')
    expect(params[1].Value).toBe('API Password is locked. ')
  })

  it('a scenario can lose the result (callback none)', async () => {
    em.setScenario({ product: 'balance', next: true, callback: 'none' })
    expect((await query(balanceBody(em, `${receiver.url}/x`))).status).toBe(200)
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
  })

  it('401.002.01 with an empty tail, 400.002.05 for a body that is not JSON', async () => {
    const unauth = await query(balanceBody(em, `${receiver.url}/x`), bearer('stale'))
    expect(unauth.status).toBe(401)
    expect(unauth.body).toMatchObject({ errorCode: '401.002.01', errorMessage: 'Error Occurred - Invalid Access Token - ' })
    const raw = await http('POST', `${em.url}/mpesa/accountbalance/v1/query`, { headers: bearer(token), raw: 'x=1' })
    expect(raw.status).toBe(400)
    expect(raw.body).toMatchObject({ errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' })
  })

  for (const [field, patch] of [
    ['Initiator', { Initiator: '' }],
    ['SecurityCredential', { SecurityCredential: undefined }],
    ['CommandID', { CommandID: 'Balance' }],
    ['PartyA', { PartyA: 'abc' }],
    ['IdentifierType', { IdentifierType: '9' }],
    ['Remarks', { Remarks: undefined }],
    ['QueueTimeOutURL', { QueueTimeOutURL: 'nope' }],
    ['ResultURL', { ResultURL: ' https://x.example/r' }],
  ] as const) {
    it(`400.002.02 Bad Request - Invalid ${field}`, async () => {
      const res = await query(balanceBody(em, `${receiver.url}/x`, patch))
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: `Bad Request - Invalid ${field}` })
      expect(Object.keys(res.body)).toEqual(['requestId', 'errorCode', 'errorMessage'])
    })
  }
})
