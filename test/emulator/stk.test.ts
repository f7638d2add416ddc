import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import { stkCallbackSchema, stkPushResponseSchema, stkQueryResponseSchema } from '../../src/schemas/daraja.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { bearer, http, queryBody, stkBody } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 20 }, (rig) => ({ em, receiver, token } = rig))

async function push(phone: string, path = '/cb', overrides: Record<string, unknown> = {}) {
  return http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, {
    headers: bearer(token),
    body: stkBody(em, phone, `${receiver.url}${path}`, overrides),
  })
}

async function query(id: string) {
  return http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body: queryBody(em, id) })
}

function expectInFlight(res: Awaited<ReturnType<typeof query>>, id: string) {
  expect(res.status).toBe(200)
  expect(res.body).toMatchObject({ CheckoutRequestID: id, ResultCode: '4999', ResultDesc: 'The transaction is still under processing' })
}

/** phone, code, callback text, query text (they differ for 1032, as on the real sandbox). */
const failures: Array<[string, number, string, string]> = [
  ['254700000001', 1032, 'Request cancelled by user', 'Request Cancelled by user.'],
  ['254700000002', 1037, 'No response from user.', 'No response from user.'],
  ['254700000003', 1, 'The balance is insufficient for the transaction.', 'The balance is insufficient for the transaction.'],
  ['254700000004', 2001, 'The initiator information is invalid.', 'The initiator information is invalid.'],
]

describe('STK push outcome table, end to end', () => {
  for (const phone of ['254708374149', '254711222333', '254110000001']) {
    it(`${phone} succeeds: 200 ack, one callback with the five metadata items, query "0"`, async () => {
      const res = await push(phone, `/stk/${phone}?ref=abc`)
      expect(res.status).toBe(200)
      const ack = stkPushResponseSchema.parse(res.body)
      expect(ack.ResponseCode).toBe('0')
      expect(ack.ResponseDescription).toBe('Success. Request accepted for processing')
      expect(ack.CustomerMessage).toBe('Success. Request accepted for processing')
      expect(ack.MerchantRequestID).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d+$/)
      expect(ack.CheckoutRequestID).toMatch(new RegExp(`^ws_CO_\\d{14}\\d{1,3}${phone.slice(-9)}$`))

      const [cb] = await receiver.waitFor(1)
      expect(cb.method).toBe('POST')
      expect(cb.path).toBe(`/stk/${phone}?ref=abc`)
      expect(cb.headers['content-type']).toBe('application/json;charset=UTF-8')
      expect(cb.headers.businessshortcode).toBe('174379')
      const body = stkCallbackSchema.parse(cb.json)
      const stk = body.Body.stkCallback
      expect(stk).toMatchObject({ MerchantRequestID: ack.MerchantRequestID, CheckoutRequestID: ack.CheckoutRequestID, ResultCode: 0, ResultDesc: 'The service request is processed successfully.' })
      const items = stk.CallbackMetadata!.Item
      expect(items.map((i) => i.Name)).toEqual(['Amount', 'MpesaReceiptNumber', 'Balance', 'TransactionDate', 'PhoneNumber'])
      expect(items[0]).toEqual({ Name: 'Amount', Value: 1 })
      expect(items[1].Value).toMatch(/^[L-Z][A-L][1-9A-V][0-9A-Z]{7}$/)
      expect(items[2]).toEqual({ Name: 'Balance' })
      expect('Value' in items[2]).toBe(false)
      expect(typeof items[3].Value).toBe('number')
      expect(String(items[3].Value)).toMatch(/^20\d{12}$/)
      expect(items[4]).toEqual({ Name: 'PhoneNumber', Value: Number(phone) })

      const q = await query(ack.CheckoutRequestID)
      expect(q.status).toBe(200)
      expect(stkQueryResponseSchema.parse(q.body)).toEqual({
        ResponseCode: '0',
        ResponseDescription: 'The service request has been accepted successfully',
        MerchantRequestID: ack.MerchantRequestID,
        CheckoutRequestID: ack.CheckoutRequestID,
        ResultCode: '0',
        ResultDesc: 'The service request is processed successfully.',
      })
      await em.settle()
      expect(receiver.received()).toHaveLength(1)
    })
  }

  for (const [phone, code, desc, queryDesc] of failures) {
    it(`${phone} → ${code}: callback without metadata, query ResultCode "${code}"`, async () => {
      const res = await push(phone)
      expect(res.status).toBe(200)
      const id = res.body.CheckoutRequestID
      const [cb] = await receiver.waitFor(1)
      expect(cb.json).toEqual({
        Body: { stkCallback: { MerchantRequestID: res.body.MerchantRequestID, CheckoutRequestID: id, ResultCode: code, ResultDesc: desc } },
      })
      const q = await query(id)
      expect(q.status).toBe(200)
      expect(q.body.ResultCode).toBe(String(code))
      expect(q.body.ResultDesc).toBe(queryDesc)
    })
  }

  it('254700000005 is paid but no callback is ever sent; only the query tells', async () => {
    // A longer delay (same outcome) so the first query is surely in flight, even on a loaded machine
    // (a pause of 300 ms, the delay before, let the payment finish first).
    em.setScenario({ phone: '254700000005', delay_ms: 1500 })
    const res = await push('254700000005')
    const id = res.body.CheckoutRequestID
    expectInFlight(await query(id), id)
    // settle() waits for every scheduled callback: one would be in received() by now.
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
    const q = await query(id)
    expect(q.status).toBe(200)
    expect(q.body.ResultCode).toBe('0')
    expect(em.transaction(id)?.receipt).toMatch(/^[A-Z0-9]{10}$/)
  })

  it('254700000006 is refused synchronously with 500.001.1001 Unable to lock subscriber', async () => {
    const res = await push('254700000006')
    expect(res.status).toBe(500)
    expect(res.body.errorCode).toBe('500.001.1001')
    expect(res.body.errorMessage).toBe('Unable to lock subscriber, a transaction is already in process for the current subscriber')
    expect(Object.keys(res.body)).toEqual(['requestId', 'errorCode', 'errorMessage'])
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
  })

  it('254700000007 succeeds and its callback is delivered twice, identically', async () => {
    const res = await push('254700000007')
    const received = await receiver.waitFor(2)
    expect(received[0].text).toBe(received[1].text)
    expect((received[0].json as any).Body.stkCallback.ResultCode).toBe(0)
    await em.settle()
    expect(receiver.received()).toHaveLength(2)
    expect((await query(res.body.CheckoutRequestID)).body.ResultCode).toBe('0')
  })

  it('254700000008 is held until resolved through the control API', async () => {
    const res = await push('254700000008')
    const id = res.body.CheckoutRequestID
    // Nothing is scheduled for a held prompt: settle() would otherwise wait for its callback.
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
    expectInFlight(await query(id), id)

    const resolved = await http('POST', `${em.url}/__emulator/stk/${id}/resolve`, { body: { result_code: 1032 } })
    expect(resolved.status).toBe(200)
    expect(resolved.body.transaction).toMatchObject({ checkout_request_id: id, status: 'completed', result_code: 1032, result_desc: 'Request cancelled by user' })
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback).toMatchObject({ CheckoutRequestID: id, ResultCode: 1032 })
    expect((await query(id)).body.ResultCode).toBe('1032')

    const again = await http('POST', `${em.url}/__emulator/stk/${id}/resolve`, { body: { result_code: 0 } })
    expect(again.status).toBe(409)
    expect(again.body.error).toMatch(/not held/)
  })

  it('resolving a held prompt with 0 sends the success callback with metadata', async () => {
    const res = await push('254700000008')
    em.resolve(res.body.CheckoutRequestID, 0)
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback.CallbackMetadata.Item).toHaveLength(5)
  })

  it('the query says "4999 still under processing" while the callback delay runs', async () => {
    em.setScenario({ phone: '254711000111', delay_ms: 1500 })
    const res = await push('254711000111')
    expectInFlight(await query(res.body.CheckoutRequestID), res.body.CheckoutRequestID)
    await receiver.waitFor(1)
    expect((await query(res.body.CheckoutRequestID)).status).toBe(200)
  })

  it('an unknown CheckoutRequestID is "The transaction does not Exist"', async () => {
    const q = await query('ws_CO_010120250000001708374149')
    expect(q.status).toBe(500)
    expect(q.body).toMatchObject({ errorCode: '500.001.1001', errorMessage: 'The transaction does not Exist' })
  })

  it('journals callbacks with the answer the receiver gave, and sends them only once even on a 500', async () => {
    receiver.answerWith({ status: 500, body: 'boom' })
    const res = await push('254711000222')
    await receiver.waitFor(1)
    await em.settle()
    const [entry] = em.callbacks()
    expect(entry).toMatchObject({ kind: 'stk', transaction_id: res.body.CheckoutRequestID, copy: 1, dropped: false, response: { status: 500, body: 'boom' }, error: null })
    // After settle() no retry is scheduled or in flight: the 500 was final.
    expect(receiver.received()).toHaveLength(1)
    const control = await http('GET', `${em.url}/__emulator/callbacks`)
    expect(control.body.callbacks).toHaveLength(1)
    expect(control.body.callbacks[0].response.status).toBe(500)
  })

  it('records a network error when the callback URL does not answer', async () => {
    const dead = await startCallbackReceiver()
    const url = dead.url
    await dead.close()
    await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, '254711000333', `${url}/cb`) })
    await em.settle()
    const [entry] = em.callbacks()
    expect(entry.response).toBeNull()
    expect(entry.error).toBeTruthy()
  })
})

describe('callbacks of many pushes with one delay (one timer serves them all)', () => {
  it('each push gets its one callback, not before the delay, in push order; one with another delay keeps its own time', async () => {
    const started = Date.now()
    const pushes = await Promise.all(Array.from({ length: 40 }, (_, i) => push(`2547110${String(i).padStart(5, '0')}`, `/many/${i}`)))
    const ids = pushes.map((res) => res.body.CheckoutRequestID as string)
    // A scenario's own delay puts this one in another queue, due after every other.
    await http('POST', `${em.url}/__emulator/scenarios`, { body: { phone: '254711099999', outcome: 'success', delay_ms: 150 } })
    const late = await push('254711099999', '/late')
    const received = await receiver.waitFor(41, { timeoutMs: 15_000 })
    await em.settle()
    expect(receiver.received()).toHaveLength(41)
    expect(received.at(-1)?.path).toBe('/late')
    expect(received.at(-1)?.receivedAt).toBeGreaterThanOrEqual(started + 150)
    const sent = em.callbacks().filter((c) => c.kind === 'stk')
    expect(sent.map((c) => c.transaction_id)).toEqual([...new Set(sent.map((c) => c.transaction_id))])
    expect(new Set(sent.map((c) => c.transaction_id))).toEqual(new Set([...ids, late.body.CheckoutRequestID]))
    // Scheduled in push order on one queue: started (journal `at`) in that order.
    const starts = ids.map((id) => Date.parse(sent.find((c) => c.transaction_id === id)!.at))
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
    for (const at of starts) expect(at).toBeGreaterThanOrEqual(started + 20)
  })

  it('a reset cancels the callbacks still waiting, and pushes after it get theirs', async () => {
    const phones = Array.from({ length: 10 }, (_, i) => `2547120${String(i).padStart(5, '0')}`)
    // Two seconds: still waiting when the reset comes, however slow the machine.
    for (const phone of phones) await http('POST', `${em.url}/__emulator/scenarios`, { body: { phone, outcome: 'success', delay_ms: 2_000 } })
    await Promise.all(phones.map((phone, i) => push(phone, `/before/${i}`)))
    em.reset()
    const after = await push('254712099999', '/after')
    await receiver.waitFor(1, { filter: (r) => r.path === '/after' })
    await em.settle()
    expect(receiver.received().map((r) => r.path)).toEqual(['/after'])
    expect(em.callbacks().map((c) => c.transaction_id)).toEqual([after.body.CheckoutRequestID])
  })
})
