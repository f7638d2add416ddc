import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import { resultParameter, transactionStatusAckSchema, transactionStatusResultSchema } from '../../src/schemas/daraja.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, bearer, http } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 10 }, (rig) => ({ em, receiver, token } = rig))

let seq = 0
const PATH = '/mpesa/transactionstatus/v1/query'
const statusBody = (overrides: Record<string, unknown> = {}) => ({
  Initiator: em.credentials.initiatorName,
  SecurityCredential: em.credentials.securityCredential,
  CommandID: 'TransactionStatusQuery',
  PartyA: em.credentials.b2cShortcode,
  IdentifierType: '4',
  ResultURL: `${receiver.url}/status/result`,
  QueueTimeOutURL: `${receiver.url}/status/timeout`,
  Remarks: 'OK',
  Occasion: 'OK',
  ...overrides,
})
const query = (body: unknown, headers = bearer(token)) => http('POST', `${em.url}${PATH}`, { headers, body })

/** A v3 B2C to `partyB`, its result received; returns its ids. */
async function paidB2c(partyB = '254711000001') {
  const originator = `mpg-ts-${++seq}-${Date.now()}`
  const res = await http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, {
    headers: bearer(token),
    body: { OriginatorConversationID: originator, ...b2cBody(em, partyB, `${receiver.url}/b2c/result`) },
  })
  expect(res.status).toBe(200)
  const [cb] = await receiver.waitFor(1)
  receiver.clear()
  return { originator, conversationId: res.body.ConversationID as string, receipt: (cb.json as any).Result.TransactionID as string }
}

async function statusResult() {
  const [cb] = await receiver.waitFor(1)
  expect(cb.path).toBe('/status/result')
  expect(cb.headers['content-type']).toBe('application/json;charset=UTF-8')
  return transactionStatusResultSchema.parse(cb.json).Result
}

const params = (r: { ResultParameters?: { ResultParameter: unknown } }) => r.ResultParameters!.ResultParameter as Array<{ Key: string; Value?: string | number }>

describe('Transaction Status', () => {
  it('acks at once and reports a completed B2C found by its OriginatorConversationID, with Daraja’s 13 parameters', async () => {
    const b2c = await paidB2c()
    const res = await query(statusBody({ OriginalConversationID: b2c.originator }))
    expect(res.status).toBe(200)
    const ack = transactionStatusAckSchema.parse(res.body)
    expect(ack).toMatchObject({ ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' })
    expect(ack.ConversationID).toMatch(/^AG_\d{8}_[0-9a-z]{20}$/)

    const result = await statusResult()
    expect(result).toMatchObject({
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: 'The service request is processed successfully.',
      OriginatorConversationID: ack.OriginatorConversationID,
      ConversationID: ack.ConversationID,
      ReferenceData: { ReferenceItem: { Key: 'Occasion', Value: 'OK' } },
    })
    expect(result.TransactionID).toMatch(/^[L-Z][A-L][1-9A-V]0000000$/)
    const p = params(result)
    expect(p.map((x) => x.Key)).toEqual([
      'DebitPartyName',
      'CreditPartyName',
      'OriginatorConversationID',
      'InitiatedTime',
      'DebitAccountType',
      'DebitPartyCharges',
      'TransactionReason',
      'ReasonType',
      'TransactionStatus',
      'FinalisedTime',
      'Amount',
      'ConversationID',
      'ReceiptNo',
    ])
    expect(resultParameter(p, 'TransactionStatus')).toBe('Completed')
    expect(resultParameter(p, 'ReceiptNo')).toBe(b2c.receipt)
    expect(resultParameter(p, 'ConversationID')).toBe(b2c.conversationId)
    expect(resultParameter(p, 'OriginatorConversationID')).toBe(b2c.originator)
    expect(resultParameter(p, 'Amount')).toBe('10')
    expect(resultParameter(p, 'CreditPartyName')).toMatch(/^254711000001 - /)
    expect(resultParameter(p, 'InitiatedTime')).toMatch(/^\d{14}$/)
    expect(resultParameter(p, 'FinalisedTime')).toMatch(/^\d{14}$/)
    expect(em.requests().at(-1)).toMatchObject({ endpoint: 'transaction_status', status: 200 })
    await em.settle()
    expect(em.callbacks().at(-1)).toMatchObject({ kind: 'transaction_status_result', transaction_id: ack.ConversationID })
  })

  it('finds a B2C by receipt (TransactionID) or by its ConversationID too', async () => {
    const b2c = await paidB2c()
    await query(statusBody({ TransactionID: b2c.receipt }))
    expect(resultParameter(params(await statusResult()), 'ConversationID')).toBe(b2c.conversationId)
    receiver.clear()
    await query(statusBody({ OriginalConversationID: b2c.conversationId, IdentifierType: 4 }))
    expect(resultParameter(params(await statusResult()), 'ReceiptNo')).toBe(b2c.receipt)
  })

  it('a failed B2C reads Declined, with its result text as TransactionReason', async () => {
    const b2c = await paidB2c('254700000003')
    await query(statusBody({ OriginalConversationID: b2c.originator }))
    const p = params(await statusResult())
    expect(resultParameter(p, 'TransactionStatus')).toBe('Declined')
    expect(resultParameter(p, 'TransactionReason')).toBe('The balance is insufficient for the transaction.')
  })

  it('a B2C whose result is not out yet reads Pending', async () => {
    em.setScenario({ product: 'b2c', next: true, delay_ms: 2_000 })
    const originator = `mpg-pending-${Date.now()}`
    await http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, { headers: bearer(token), body: { OriginatorConversationID: originator, ...b2cBody(em, '254711000001', `${receiver.url}/b2c/result`) } })
    await query(statusBody({ OriginalConversationID: originator }))
    expect(resultParameter(params(await statusResult()), 'TransactionStatus')).toBe('Pending')
  })

  it('an unknown transaction is result 2032 without ResultParameters', async () => {
    await query(statusBody({ TransactionID: 'UJ20000XYZ', Occasion: undefined }))
    const result = await statusResult()
    expect(result).toMatchObject({ ResultCode: 2032, ResultDesc: 'The transaction receipt number does not exist.', ReferenceData: { ReferenceItem: { Key: 'Occasion' } } })
    expect(result.ResultParameters).toBeUndefined()
  })

  it('a wrong credential is acknowledged, then answered with result 2001', async () => {
    const b2c = await paidB2c()
    expect((await query(statusBody({ OriginalConversationID: b2c.originator, SecurityCredential: 'bm9wZQ==' }))).status).toBe(200)
    expect(await statusResult()).toMatchObject({ ResultCode: 2001, ResultDesc: 'The initiator information is invalid.' })
  })

  it('refuses a bad token with 401.002.01, a non-JSON body with 400.002.05, and the first bad field with 400.002.02', async () => {
    const bad = await query(statusBody({ TransactionID: 'X' }), bearer('nope'))
    expect(bad.status).toBe(401)
    expect(bad.body).toMatchObject({ errorCode: '401.002.01' })
    expect(bad.body.errorMessage).toMatch(/^Error Occurred - Invalid Access Token - /)
    const raw = await http('POST', `${em.url}${PATH}`, { headers: { ...bearer(token), 'content-type': 'application/json' }, raw: '{nope' })
    expect([raw.status, raw.body.errorCode, raw.body.errorMessage]).toEqual([400, '400.002.05', 'Invalid Request Payload'])
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ Initiator: '' }, 'Initiator'],
      [{ SecurityCredential: undefined }, 'SecurityCredential'],
      [{ CommandID: 'TransactionStatus' }, 'CommandID'],
      [{}, 'TransactionID'],
      [{ TransactionID: 42 }, 'TransactionID'],
      [{ TransactionID: 'X', PartyA: 'abc' }, 'PartyA'],
      [{ TransactionID: 'X', IdentifierType: '9' }, 'IdentifierType'],
      [{ TransactionID: 'X', ResultURL: 'not a url' }, 'ResultURL'],
      [{ TransactionID: 'X', QueueTimeOutURL: undefined }, 'QueueTimeOutURL'],
      [{ TransactionID: 'X', Remarks: '' }, 'Remarks'],
      [{ TransactionID: 'X', Occasion: 5 }, 'Occasion'],
    ]
    for (const [overrides, field] of cases) {
      const res = await query(statusBody(overrides))
      expect([res.status, res.body.errorCode, res.body.errorMessage], field).toEqual([400, '400.002.02', `Bad Request - Invalid ${field}`])
      expect(typeof res.body.requestId).toBe('string')
    }
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
  })

  it('405 for GET, like every Daraja path', async () => {
    const res = await http('GET', `${em.url}${PATH}`, { headers: bearer(token) })
    expect([res.status, res.body.errorCode]).toEqual([405, '405.001'])
  })
})

describe('fault kinds for payouts', () => {
  it('transaction_status faults force not_found, a failed result, or no result at all (each once)', async () => {
    const b2c = await paidB2c()
    const ask = () => query(statusBody({ OriginalConversationID: b2c.originator }))

    em.setFault({ kind: 'transaction_status', outcome: 'not_found', count: 1 })
    await ask()
    expect((await statusResult()).ResultCode).toBe(2032)
    receiver.clear()

    em.setFault({ kind: 'transaction_status', outcome: 'failed', result_code: 17, count: 1 })
    await ask()
    expect(await statusResult()).toMatchObject({ ResultCode: 17, ResultDesc: 'System internal error.' })
    receiver.clear()

    em.setFault({ kind: 'transaction_status', outcome: 'no_result', count: 1 })
    expect((await ask()).status).toBe(200)
    // settle() waits for every scheduled result: one would be in received() by now.
    await em.settle()
    expect(receiver.received()).toHaveLength(0)

    await ask()
    expect(resultParameter(params(await statusResult()), 'TransactionStatus')).toBe('Completed')
  })

  it('a transient B2C error for the next N calls (500.003.1001, then 503 spike arrest), then the B2C goes through', async () => {
    em.setFault({ kind: 'error', endpoint: 'b2c', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error', count: 1 })
    em.setFault({ kind: 'error', endpoint: 'b2c', status: 503, errorCode: '500.003.02', errorMessage: 'Spike arrest violation', count: 1 })
    const body = { OriginatorConversationID: `mpg-transient-${Date.now()}`, ...b2cBody(em, '254711000001', `${receiver.url}/b2c/result`) }
    const send = () => http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, { headers: bearer(token), body })
    const answers = [await send(), await send(), await send()]
    expect(answers.map((a) => [a.status, a.body.errorCode ?? a.body.ResponseCode])).toEqual([
      [500, '500.003.1001'],
      [503, '500.003.02'],
      [200, '0'],
    ])
    // The refused attempts did not use up the OriginatorConversationID; a fourth is a duplicate.
    const again = await send()
    expect([again.status, again.body.errorCode]).toEqual([500, '500.002.1001'])
  })

  it('drops only B2C results with a targeted callback fault (STK callbacks still go out)', async () => {
    em.setFault({ kind: 'callback', action: 'drop', target: 'b2c_result', count: 1 })
    const originator = `mpg-drop-${Date.now()}`
    await http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, { headers: bearer(token), body: { OriginatorConversationID: originator, ...b2cBody(em, '254711000001', `${receiver.url}/b2c/result`) } })
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
    expect(em.callbacks()).toMatchObject([{ kind: 'b2c_result', dropped: true }])
    // The B2C itself completed: Transaction Status knows it.
    await query(statusBody({ OriginalConversationID: originator }))
    expect(resultParameter(params(await statusResult()), 'TransactionStatus')).toBe('Completed')
  })

  it('reset faults close the connection without an answer, before or after Daraja acts', async () => {
    em.setFault({ kind: 'reset', endpoint: 'b2c', count: 1 })
    em.setFault({ kind: 'reset', endpoint: 'b2c', after: true, count: 1 })
    const body = () => ({ OriginatorConversationID: `mpg-reset-${++seq}-${Date.now()}`, ...b2cBody(em, '254711000001', `${receiver.url}/b2c/result`) })
    await expect(http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, { headers: bearer(token), body: body() })).rejects.toThrow()
    await expect(http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, { headers: bearer(token), body: body() })).rejects.toThrow()
    expect(em.requests().filter((r) => r.endpoint === 'b2c_v3').map((r) => r.status)).toEqual([0, 0])
    // Only the second one was taken: its result still goes out.
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Result.ResultCode).toBe(0)
    await em.settle()
    expect(receiver.received()).toHaveLength(1)
  })

  it('400 for a bad transaction_status or reset fault', async () => {
    const post = (json: unknown) => http('POST', `${em.url}/__emulator/faults`, { body: json })
    expect((await post({ kind: 'transaction_status', outcome: 'lost' })).status).toBe(400)
    expect((await post({ kind: 'transaction_status', outcome: 'not_found', result_code: 1 })).status).toBe(400)
    expect((await post({ kind: 'reset', endpoint: 'everything' })).status).toBe(400)
    expect((await post({ kind: 'callback', action: 'drop', target: 'c2b' })).status).toBe(400)
    const ok = await post({ kind: 'reset', endpoint: 'transaction_status', count: 2 })
    expect(ok.status).toBe(201)
    expect(ok.body.fault).toMatchObject({ kind: 'reset', endpoint: 'transaction_status', after: false, remaining: 2 })
  })
})
