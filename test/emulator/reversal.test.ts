import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, bearer, http, stkBody } from './helpers.js'
import { emulatorPerTest } from './per-test.js'
import { balanceBody, parseBalances, reversalBody } from './org-helpers.js'

let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 5 }, (rig) => ({ em, receiver, token } = rig))

const reverse = (body: unknown, auth = bearer(token)) => http('POST', `${em.url}/mpesa/reversal/v1/request`, { headers: auth, body })
/** Pays `amount` into the paybill by STK and returns the receipt. */
async function paid(amount: number): Promise<string> {
  await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, '254711000001', `${receiver.url}/stk`, { Amount: amount }) })
  const [cb] = await receiver.waitFor(1, { filter: (r) => r.path === '/stk' })
  receiver.clear()
  return (cb.json as any).Body.stkCallback.CallbackMetadata.Item.find((i: any) => i.Name === 'MpesaReceiptNumber').Value
}
async function resultOf(path: string) {
  const [cb] = await receiver.waitFor(1, { filter: (r) => r.path === path })
  return (cb.json as any).Result
}
async function utility(): Promise<number> {
  await http('POST', `${em.url}/mpesa/accountbalance/v1/query`, { headers: bearer(token), body: balanceBody(em, `${receiver.url}/bal`) })
  const result = await resultOf('/bal')
  receiver.clear()
  return parseBalances(result.ResultParameters.ResultParameter[0].Value)['Utility Account']
}
const REFERENCE = { ReferenceItem: { Key: 'QueueTimeoutURL', Value: 'https://internalsandbox.safaricom.co.ke/mpesa/reversalresults/v1/submit' } }

describe('Reversal', () => {
  it('reverses an STK payment: the money leaves the paybill, the result carries the seven parameters', async () => {
    const receipt = await paid(75)
    const before = await utility()
    const ack = await reverse(reversalBody(em, receipt, `${receiver.url}/rev`, { Amount: 75 }))
    expect(ack.status).toBe(200)
    expect(ack.body).toMatchObject({ ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' })
    const [cb] = await receiver.waitFor(1)
    const result = (cb.json as any).Result
    expect(result).toMatchObject({
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: 'The service request is processed successfully.',
      OriginatorConversationID: ack.body.OriginatorConversationID,
      ConversationID: ack.body.ConversationID,
      ReferenceData: REFERENCE,
    })
    expect(result.TransactionID).toMatch(/^[L-Z][A-L][1-9A-V]\d[0-9A-Z]{6}$/)
    expect(result.TransactionID).not.toBe(receipt)
    const params = result.ResultParameters.ResultParameter
    expect(params.map((p: any) => p.Key)).toEqual(['DebitAccountBalance', 'Amount', 'TransCompletedTime', 'OriginalTransactionID', 'Charge', 'CreditPartyPublicName', 'DebitPartyPublicName'])
    expect(params[0].Value).toBe(`Utility Account|KES|${(before - 75).toFixed(2)}|${(before - 75).toFixed(2)}|0.00|0.00`)
    // Amounts are decimals on the wire, as in Safaricom's sample (`1.0`, `0.0`).
    expect(cb.text).toContain('{"Key":"Amount","Value":75.0}')
    expect(cb.text).toContain('{"Key":"Charge","Value":0.0}')
    expect(String(params[2].Value)).toMatch(/^20\d{12}$/)
    expect(params[3].Value).toBe(receipt)
    expect(params[5].Value).toBe('254711000001 - JOHN DOE')
    expect(params[6].Value).toMatch(/^174379 - /)
    receiver.clear()
    expect(await utility()).toBe(before - 75)
  })

  it('R000001 for a payment already reversed; the money moves once', async () => {
    const receipt = await paid(30)
    await reverse(reversalBody(em, receipt, `${receiver.url}/one`))
    await resultOf('/one')
    const after = await utility()
    await reverse(reversalBody(em, receipt, `${receiver.url}/two`))
    const second = await resultOf('/two')
    expect(second).toMatchObject({ ResultCode: 'R000001', ResultDesc: 'The transaction has already been reversed', ReferenceData: REFERENCE })
    expect(second.ResultParameters).toBeUndefined()
    expect(await utility()).toBe(after)
  })

  it('R000002 for an unknown receipt, a B2C payout, or another ReceiverParty (as captured from the sandbox)', async () => {
    await http('POST', `${em.url}/mpesa/b2c/v1/paymentrequest`, { headers: bearer(token), body: b2cBody(em, '254711000009', `${receiver.url}/b2c`) })
    const payout = (await resultOf('/b2c')).TransactionID
    const receipt = await paid(5)
    await reverse(reversalBody(em, 'UJ20000XYZ', `${receiver.url}/a`))
    await reverse(reversalBody(em, payout, `${receiver.url}/b`, { ReceiverParty: em.credentials.b2cShortcode }))
    await reverse(reversalBody(em, receipt, `${receiver.url}/c`, { ReceiverParty: '600000' }))
    for (const path of ['/a', '/b', '/c']) {
      const result = await resultOf(path)
      expect(result).toMatchObject({ ResultType: 0, ResultCode: 'R000002', ResultDesc: 'The OriginalTransactionID is invalid.', ReferenceData: REFERENCE })
      expect(result.ResultParameters).toBeUndefined()
      expect(result.TransactionID).toMatch(/^[L-Z][A-L][1-9A-V]0{7}$/)
    }
  })

  it('2001 for a wrong credential; scenarios force any verdict', async () => {
    const receipt = await paid(5)
    await reverse(reversalBody(em, receipt, `${receiver.url}/a`, { Initiator: 'someone' }))
    expect(await resultOf('/a')).toMatchObject({ ResultCode: 2001, ResultDesc: 'The initiator information is invalid.' })
    em.setScenario({ product: 'reversal', next: true, outcome: 'already_reversed' })
    await reverse(reversalBody(em, receipt, `${receiver.url}/b`))
    expect(await resultOf('/b')).toMatchObject({ ResultCode: 'R000001' })
    em.setScenario({ product: 'reversal', next: true, outcome: 'invalid_transaction' })
    await reverse(reversalBody(em, receipt, `${receiver.url}/c`))
    expect(await resultOf('/c')).toMatchObject({ ResultCode: 'R000002' })
    // None of these moved the money: the payment can still be reversed.
    await reverse(reversalBody(em, receipt, `${receiver.url}/d`))
    expect(await resultOf('/d')).toMatchObject({ ResultCode: 0 })
  })

  it('the correct spelling ReceiverIdentifierType is refused: Daraja wants RecieverIdentifierType', async () => {
    const res = await reverse(reversalBody(em, 'UJ20000XYZ', `${receiver.url}/x`, { RecieverIdentifierType: undefined, ReceiverIdentifierType: '11' }))
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid RecieverIdentifierType' })
  })

  it('401.002.01 with an empty tail, 400.002.05 for a body that is not JSON', async () => {
    const unauth = await reverse(reversalBody(em, 'X', `${receiver.url}/x`), bearer('stale'))
    expect(unauth.status).toBe(401)
    expect(unauth.body).toMatchObject({ errorCode: '401.002.01', errorMessage: 'Error Occurred - Invalid Access Token - ' })
    const raw = await http('POST', `${em.url}/mpesa/reversal/v1/request`, { headers: bearer(token), raw: '<xml/>' })
    expect(raw.status).toBe(400)
    expect(raw.body).toMatchObject({ errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' })
  })

  for (const [field, patch] of [
    ['Initiator', { Initiator: undefined }],
    ['SecurityCredential', { SecurityCredential: '' }],
    ['CommandID', { CommandID: 'Reverse' }],
    ['TransactionID', { TransactionID: '' }],
    ['Amount', { Amount: 0 }],
    ['ReceiverParty', { ReceiverParty: 'x' }],
    ['RecieverIdentifierType', { RecieverIdentifierType: '7' }],
    ['ResultURL', { ResultURL: 'nope' }],
    ['QueueTimeOutURL', { QueueTimeOutURL: undefined }],
    ['Remarks', { Remarks: '' }],
    ['Occasion', { Occasion: 12 }],
  ] as const) {
    it(`400.002.02 Bad Request - Invalid ${field}`, async () => {
      const res = await reverse(reversalBody(em, 'UJ20000XYZ', `${receiver.url}/x`, patch))
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: `Bad Request - Invalid ${field}` })
    })
  }
})
