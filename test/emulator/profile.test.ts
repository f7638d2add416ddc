import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
// Imported statically: its temp dirs are removed by an afterAll that only a file-level import registers.
import { removeDir, startTestGateway, stkBody as gatewayStk, waitFor } from '../helpers/gateway.js'
import { basic, bearer, getToken, http, queryBody, stkBody } from './helpers.js'

/**
 * The sandbox profile: today's real sandbox timings (Deval123/nkap docs/providers/m-pesa.md,
 * 2026: approved at +17 s, the test number 1037 "No response from user." at ~26 s, 4999 until
 * then; tokens of 3599 s). Time is the emulator's clock, moved with advanceClock: no test waits.
 */
let em: RunningEmulator
let receiver: CallbackReceiver
let clock: number

beforeEach(async () => {
  clock = Date.parse('2026-10-02T15:10:45Z')
  receiver = await startCallbackReceiver()
})
afterEach(async () => {
  await em?.close()
  await receiver.close()
})

const start = (options: Parameters<typeof startEmulator>[0] = {}) => startEmulator({ profile: 'sandbox', now: () => new Date(clock), ...options })
const push = (token: string, phone: string) =>
  http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, phone, `${receiver.url}/cb`) })
const query = (token: string, id: string) => http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body: queryBody(em, id) })

describe('sandbox profile', () => {
  it('the test number answers 4999 for ~26 s, then 1037 "No response from user." (callback and query)', async () => {
    em = await start()
    const token = await getToken(em)
    const id = (await push(token, '254708374149')).body.CheckoutRequestID
    em.advanceClock(25_000)
    expect((await query(token, id)).body).toMatchObject({ ResultCode: '4999', ResultDesc: 'The transaction is still under processing' })
    expect(receiver.received()).toHaveLength(0)
    em.advanceClock(1_000)
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback).toMatchObject({ CheckoutRequestID: id, ResultCode: 1037, ResultDesc: 'No response from user.' })
    expect((await query(token, id)).body).toMatchObject({ ResultCode: '1037', ResultDesc: 'No response from user.' })
  })

  it('another number settles after ~17 s, answering 4999 until then', async () => {
    em = await start()
    const token = await getToken(em)
    const id = (await push(token, '254711000001')).body.CheckoutRequestID
    em.advanceClock(16_999)
    expect((await query(token, id)).body.ResultCode).toBe('4999')
    em.advanceClock(1)
    await receiver.waitFor(1)
    expect((await query(token, id)).body.ResultCode).toBe('0')
  })

  it('a burst meets spike arrest (500.003.02); a second later the API answers again', async () => {
    em = await start()
    const token = await getToken(em)
    const answers = []
    for (let i = 0; i < 7; i++) answers.push(await push(token, `25471100010${i}`))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 500, 500])
    expect(answers[5].body).toMatchObject({ errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation' })
    // Only pushes were counted against the push API: a query still goes through.
    expect((await query(token, answers[0].body.CheckoutRequestID)).status).toBe(200)
    em.advanceClock(1_000)
    expect((await push(token, '254711000199')).status).toBe(200)
  })

  it('tokens expire after 3599 s of the clock (expires_in "3599")', async () => {
    em = await start()
    const res = await http('GET', `${em.url}/oauth/v1/generate?grant_type=client_credentials`, {
      headers: { authorization: basic(em.credentials.consumerKey, em.credentials.consumerSecret) },
    })
    expect(res.body.expires_in).toBe('3599')
    const token = res.body.access_token
    em.advanceClock(3_598_000)
    expect((await push(token, '254711000201')).status).toBe(200)
    em.advanceClock(1_000)
    const expired = await push(token, '254711000202')
    expect(expired.status).toBe(404)
    expect(expired.body).toMatchObject({ errorCode: '404.001.03', errorMessage: 'Invalid Access Token' })
  })

  it('the control API reports the profile and moves the clock', async () => {
    em = await start()
    const token = await getToken(em)
    const id = (await push(token, '254708374149')).body.CheckoutRequestID
    expect((await http('GET', `${em.url}/__emulator/health`)).body.profile).toBe('sandbox')
    const moved = await http('POST', `${em.url}/__emulator/clock`, { body: { advance_ms: 26_000 } })
    expect(moved.body).toEqual({ now: new Date(clock + 26_000).toISOString(), profile: 'sandbox' })
    await receiver.waitFor(1)
    expect((await query(token, id)).body.ResultCode).toBe('1037')
    const bad = await http('POST', `${em.url}/__emulator/clock`, { body: { advance_ms: -5 } })
    expect(bad.status).toBe(400)
    expect(bad.body.hint).toMatch(/advance_ms/)
  })

  it('the fast profile stays the default: the test number pays, and bursts are never arrested', async () => {
    em = await startEmulator({ callbackDelayMs: 5 })
    expect(em.profile).toBe('fast')
    const token = await getToken(em)
    const answers = []
    for (let i = 0; i < 8; i++) answers.push(await push(token, i === 0 ? '254708374149' : `25471100030${i}`))
    expect(answers.every((a) => a.status === 200)).toBe(true)
    const cbs = await receiver.waitFor(8)
    expect(cbs.every((cb) => (cb.json as any).Body.stkCallback.ResultCode === 0)).toBe(true)
  })

  it('refuses an unknown profile with a clear error', async () => {
    await expect(startEmulator({ profile: 'slow' as never })).rejects.toThrow(/profile must be one of fast, sandbox/)
  })
})

describe('MPG_EMULATOR_PROFILE for the gateway\'s embedded emulator', () => {
  it('sandbox: a push to the test number stays pending, then fails 1037 once the clock passes 26 s', async () => {
    const gw = await startTestGateway({ env: { MPG_EMULATOR_PROFILE: 'sandbox' } })
    try {
      expect(gw.emulator!.profile).toBe('sandbox')
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: gatewayStk({ phone: '254708374149' }) })
      const { transaction_id } = (await res.json()) as { transaction_id: string }
      const read = async () => ((await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: Record<string, unknown> }).transaction
      expect((await read()).status).toBe('pending')
      gw.emulator!.advanceClock(26_000)
      const final = await waitFor(async () => ((await read()).status === 'pending' ? undefined : read()))
      expect(final).toMatchObject({ status: 'failed', result_code: '1037', result_desc: 'No response from user.' })
    } finally {
      await gw.close()
      removeDir(gw.dataDir)
    }
  })

  it('a bad value stops start-up with a sentence naming the setting', async () => {
    await expect(startTestGateway({ env: { MPG_EMULATOR_PROFILE: 'slow' } })).rejects.toThrow(/MPG_EMULATOR_PROFILE must be fast or sandbox/)
  })
})
