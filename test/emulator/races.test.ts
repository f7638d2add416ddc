import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { bearer, http, queryBody, stkBody } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

/** The named race scenarios on the emulator alone: the control API and what a Daraja client sees. */
let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 20 }, (rig) => ({ em, receiver, token } = rig))

const PHONE = '254711000999'
const push = () => http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, PHONE, `${receiver.url}/cb`) })
const query = (id: string) => http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body: queryBody(em, id) })
const resultCodes = () => receiver.received().map((r) => (r.json as { Body: { stkCallback: { ResultCode: number } } }).Body.stkCallback.ResultCode)

describe('POST /__emulator/races', () => {
  it('lists the races and arms one as an ordinary phone scenario', async () => {
    const list = await http('GET', `${em.url}/__emulator/races`)
    expect(list.body.races.map((r: { name: string }) => r.name)).toEqual(['late-success', 'callback-before-ack', 'duplicate-callback', 'lost-callback', 'query-lags', 'b2c-result-lost'])
    const armed = await http('POST', `${em.url}/__emulator/races`, { body: { name: 'b2c-result-lost', phone: PHONE } })
    expect(armed.status).toBe(201)
    expect(armed.body.race).toMatchObject({ name: 'b2c-result-lost', phone: PHONE, scenario: { product: 'b2c', phone: PHONE, callback: 'none' } })
    const scenarios = await http('GET', `${em.url}/__emulator/scenarios`)
    expect(scenarios.body.scenarios).toEqual([armed.body.race.scenario])
  })

  it('refuses bad input with {error, hint, detail}', async () => {
    for (const body of [{ name: 'late-sucess', phone: PHONE }, { name: 'lost-callback', phone: '0712' }, { name: 'lost-callback', phone: PHONE, delay_ms: 5 }, { name: 'query-lags', phone: PHONE, delay_ms: 700_000 }]) {
      const res = await http('POST', `${em.url}/__emulator/races`, { body })
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body).toMatchObject({ error: expect.stringMatching(/^invalid body/), hint: expect.stringContaining('late-success') })
    }
    expect((await http('GET', `${em.url}/__emulator/scenarios`)).body.scenarios).toEqual([])
  })
})

describe('what a Daraja client sees', () => {
  it('late-success: 1037 callback and query, then (on the clock) a success callback with a receipt, and the query says 0', async () => {
    em.raceScenario('late-success', { phone: PHONE, delayMs: 90_000 })
    const id = (await push()).body.CheckoutRequestID as string
    await receiver.waitFor(1)
    expect(resultCodes()).toEqual([1037])
    expect((await query(id)).body).toMatchObject({ ResultCode: '1037' })
    em.advanceClock(90_000)
    await receiver.waitFor(2)
    expect(resultCodes()).toEqual([1037, 0])
    expect((receiver.received()[1].json as { Body: { stkCallback: { CheckoutRequestID: string } } }).Body.stkCallback.CheckoutRequestID).toBe(id)
    expect((await query(id)).body).toMatchObject({ ResultCode: '0' })
  })

  it('callback-before-ack: the callback has arrived when the push is answered', async () => {
    em.raceScenario('callback-before-ack', { phone: PHONE })
    const ack = await push()
    expect(ack.status).toBe(200)
    expect(receiver.received()).toHaveLength(1)
    expect(resultCodes()).toEqual([0])
  })

  it('callback-before-ack: a receiver that never answers holds the push answer back at most ~1 s', async () => {
    receiver.answerWith({ status: 200, delayMs: 5000 })
    em.raceScenario('callback-before-ack', { phone: PHONE })
    const started = Date.now()
    const ack = await push()
    expect(ack.status).toBe(200)
    expect(receiver.received()).toHaveLength(1)
    // Not the receiver's 5 s: held ~1 s, with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(4500)
  })

  it('query-lags: 4999 until the delay has passed on the clock, then 0, and no callback', async () => {
    em.raceScenario('query-lags', { phone: PHONE, delayMs: 60_000 })
    const id = (await push()).body.CheckoutRequestID as string
    expect((await query(id)).body).toMatchObject({ ResultCode: '4999' })
    em.advanceClock(59_000)
    expect((await query(id)).body).toMatchObject({ ResultCode: '4999' })
    em.advanceClock(1_000)
    expect((await query(id)).body).toMatchObject({ ResultCode: '0' })
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
  })
})
