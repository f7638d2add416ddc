import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import { b2cAckSchema, b2cResultSchema, resultParameter } from '../../src/schemas/daraja.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, bearer, http } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 10 }, (rig) => ({ em, receiver, token } = rig))

const REFERENCE = { ReferenceItem: { Key: 'QueueTimeoutURL', Value: 'https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit' } }
const pay = (version: 'v1' | 'v3', body: Record<string, unknown>) =>
  http('POST', `${em.url}/mpesa/b2c/${version}/paymentrequest`, { headers: bearer(token), body })
let seq = 0
const v3 = (partyB: string, overrides: Record<string, unknown> = {}) =>
  pay('v3', { OriginatorConversationID: `600997_Test_${++seq}_${Date.now()}`, ...b2cBody(em, partyB, `${receiver.url}/b2c/result`), ...overrides })

describe('B2C', () => {
  it('v3 success: ack echoes OriginatorConversationID, result carries the 8 parameters and ReferenceData', async () => {
    const res = await v3('254711000001', { Amount: '250', OriginatorConversationID: '600997_Test_32et3241ed8yu' })
    expect(res.status).toBe(200)
    const ack = b2cAckSchema.parse(res.body)
    expect(ack).toMatchObject({ OriginatorConversationID: '600997_Test_32et3241ed8yu', ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' })
    expect(ack.ConversationID).toMatch(/^AG_\d{8}_[0-9a-z]{20}$/)

    const [cb] = await receiver.waitFor(1)
    expect(cb.path).toBe('/b2c/result')
    expect(cb.headers['content-type']).toBe('application/json;charset=UTF-8')
    const result = b2cResultSchema.parse(cb.json).Result
    expect(result).toMatchObject({ ResultType: 0, ResultCode: 0, ResultDesc: 'The service request is processed successfully.', OriginatorConversationID: ack.OriginatorConversationID, ConversationID: ack.ConversationID })
    expect(result.TransactionID).toMatch(/^[L-Z][A-L][1-9A-V][0-9A-Z]{7}$/)
    const params = result.ResultParameters!.ResultParameter
    expect(params.map((p) => p.Key)).toEqual([
      'TransactionAmount',
      'TransactionReceipt',
      'ReceiverPartyPublicName',
      'TransactionCompletedDateTime',
      'B2CUtilityAccountAvailableFunds',
      'B2CWorkingAccountAvailableFunds',
      'B2CRecipientIsRegisteredCustomer',
      'B2CChargesPaidAccountAvailableFunds',
    ])
    expect(resultParameter(params, 'TransactionAmount')).toBe(250)
    expect(resultParameter(params, 'TransactionReceipt')).toBe(result.TransactionID)
    expect(resultParameter(params, 'ReceiverPartyPublicName')).toMatch(/^254711000001 - /)
    expect(resultParameter(params, 'TransactionCompletedDateTime')).toMatch(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}$/)
    expect(typeof resultParameter(params, 'B2CUtilityAccountAvailableFunds')).toBe('number')
    expect(result.ReferenceData).toEqual(REFERENCE)
  })

  for (const [partyB, code, desc] of [
    ['254700000003', 1, 'The balance is insufficient for the transaction.'],
    ['254700000004', 2001, 'The initiator information is invalid.'],
  ] as const) {
    it(`PartyB ${partyB} → result ${code} without ResultParameters`, async () => {
      const res = await v3(partyB)
      expect(res.status).toBe(200)
      const [cb] = await receiver.waitFor(1)
      const result = (cb.json as any).Result
      expect(result).toMatchObject({ ResultType: 0, ResultCode: code, ResultDesc: desc, ConversationID: res.body.ConversationID })
      expect(result.ResultParameters).toBeUndefined()
      expect(result.ReferenceData).toEqual(REFERENCE)
    })
  }

  it('a wrong SecurityCredential or InitiatorName is acknowledged, then fails with 2001', async () => {
    const a = await v3('254711000001', { SecurityCredential: 'c29tZXRoaW5nIGVsc2U=' })
    const b = await pay('v1', { ...b2cBody(em, '254711000001', `${receiver.url}/r`), InitiatorName: 'someone' })
    expect([a.status, b.status]).toEqual([200, 200])
    const cbs = await receiver.waitFor(2)
    expect(cbs.map((c) => (c.json as any).Result.ResultCode)).toEqual([2001, 2001])
  })

  it('v3 refuses a reused OriginatorConversationID with 500.002.1001', async () => {
    const first = await v3('254711000001', { OriginatorConversationID: 'dup-1' })
    expect(first.status).toBe(200)
    const second = await v3('254711000002', { OriginatorConversationID: 'dup-1' })
    expect(second.status).toBe(500)
    expect(second.body).toMatchObject({ errorCode: '500.002.1001', errorMessage: 'Duplicate OriginatorConversationID.' })
    expect(Object.keys(second.body)).toEqual(['requestId', 'errorCode', 'errorMessage'])
    await em.settle()
    expect(receiver.received()).toHaveLength(1)
  })

  it('v3 requires OriginatorConversationID', async () => {
    const res = await pay('v3', b2cBody(em, '254711000001', `${receiver.url}/r`))
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid OriginatorConversationID' })
  })

  it('v1 needs none: the server makes an OriginatorConversationID in Daraja\'s format, and accepts Occasion', async () => {
    const body = b2cBody(em, '254711000001', `${receiver.url}/r`, { Occassion: undefined, Occasion: 'x', Amount: 10, PartyA: 600997 })
    const res = await pay('v1', body)
    expect(res.status).toBe(200)
    expect(res.body.OriginatorConversationID).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d+$/)
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Result.OriginatorConversationID).toBe(res.body.OriginatorConversationID)
  })

  for (const [field, patch] of [
    ['InitiatorName', { InitiatorName: '' }],
    ['SecurityCredential', { SecurityCredential: undefined }],
    ['CommandID', { CommandID: 'Payday' }],
    ['Amount', { Amount: 10.5 }],
    ['PartyA', { PartyA: 'abc' }],
    ['PartyB', { PartyB: '0711000001' }],
    ['Remarks', { Remarks: '' }],
    ['QueueTimeOutURL', { QueueTimeOutURL: 'nope' }],
    ['ResultURL', { ResultURL: undefined }],
  ] as const) {
    it(`400.002.02 Bad Request - Invalid ${field}`, async () => {
      const res = await v3('254711000001', patch)
      expect(res.status).toBe(400)
      expect(res.body).toMatchObject({ errorCode: '400.002.02', errorMessage: `Bad Request - Invalid ${field}` })
    })
  }

  it('400.002.05 Invalid Request Payload for a body that is not JSON', async () => {
    const res = await http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, { headers: bearer(token), raw: 'x=1' })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' })
  })

  it('B2C scenarios by PartyB and for the next request', async () => {
    em.setScenario({ product: 'b2c', phone: '254711000009', result_code: 8006 })
    em.setScenario({ product: 'b2c', next: true, outcome: 'insufficient_funds' })
    await v3('254711000001')
    await receiver.waitFor(1)
    await v3('254711000009')
    await receiver.waitFor(2)
    await v3('254711000001')
    const cbs = await receiver.waitFor(3)
    expect(cbs.map((c) => [(c.json as any).Result.ResultCode, (c.json as any).Result.ResultDesc])).toEqual([
      [1, 'The balance is insufficient for the transaction.'],
      [8006, 'The security credential is locked.'],
      [0, 'The service request is processed successfully.'],
    ])
  })
})
