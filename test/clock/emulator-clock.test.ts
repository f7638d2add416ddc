// startEmulator({ clock }): a standalone emulator on a virtual clock sends a callback when the
// clock reaches it, not when the machine's does, and its tokens age on that clock.
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { createVirtualClock } from '../../src/utils/virtual-clock.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { bearer, getToken, http, stkBody } from '../emulator/helpers.js'

let emulator: RunningEmulator | undefined
let receiver: CallbackReceiver | undefined
afterEach(async () => {
  await emulator?.close()
  await receiver?.close()
  emulator = receiver = undefined
})

describe('startEmulator({ clock })', () => {
  it('a callback falls due on the virtual clock: none before its delay, exactly one at it; tokens expire on it', async () => {
    const clock = createVirtualClock(Date.parse('2026-03-02T06:00:00Z'))
    emulator = await startEmulator({ clock, callbackDelayMs: 60_000, tokenTtlS: 3599 })
    receiver = await startCallbackReceiver()
    const token = await getToken(emulator)
    const push = await http('POST', `${emulator.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(emulator, '254708374149', `${receiver.url}/cb`) })
    expect(push.status).toBe(200)

    await clock.advance(59_999)
    expect(receiver.received()).toHaveLength(0)
    const report = await clock.advance(1)
    expect(report.ran).toEqual({ 'emulator.callback': 1 })
    // advance answered after the POST was answered: no waiting needed.
    expect(receiver.received()).toHaveLength(1)
    expect((receiver.received()[0].json as { Body: { stkCallback: { ResultCode: number } } }).Body.stkCallback.ResultCode).toBe(0)

    await clock.advance(3600_000)
    const late = await http('POST', `${emulator.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(emulator, '254708374149', `${receiver.url}/cb`) })
    expect(late.status).toBe(404)
    expect(late.body).toMatchObject({ errorMessage: 'Invalid Access Token' })
  })
})
