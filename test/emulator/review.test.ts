import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, bearer, getToken, http, stkBody } from './helpers.js'

let em: RunningEmulator | undefined
let receiver: CallbackReceiver | undefined
afterEach(async () => {
  await em?.close()
  await receiver?.close()
  em = undefined
  receiver = undefined
})

describe('bounded memory never costs an accepted request its callback', () => {
  it('STK: pushes past maxTransactions while earlier ones are in flight still get exactly one callback each', async () => {
    em = await startEmulator({ callbackDelayMs: 50, maxTransactions: 2 })
    receiver = await startCallbackReceiver()
    const token = await getToken(em)
    const acks = await Promise.all(
      ['254711000001', '254711000002', '254711000003', '254711000004'].map((phone) =>
        http('POST', `${em!.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em!, phone, `${receiver!.url}/cb`) }),
      ),
    )
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200, 200])
    await em.settle()
    const ids = receiver.received().map((r) => (r.json as { Body: { stkCallback: { CheckoutRequestID: string } } }).Body.stkCallback.CheckoutRequestID)
    expect(ids.sort()).toEqual(acks.map((a) => a.body.CheckoutRequestID as string).sort())
  })

  it('B2C: payments past maxTransactions while earlier ones are in flight still get exactly one result each', async () => {
    em = await startEmulator({ callbackDelayMs: 50, maxTransactions: 2 })
    receiver = await startCallbackReceiver()
    const token = await getToken(em)
    const acks = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        http('POST', `${em!.url}/mpesa/b2c/v3/paymentrequest`, {
          headers: bearer(token),
          body: b2cBody(em!, '254712345678', `${receiver!.url}/result`, { OriginatorConversationID: `review-${n}` }),
        }),
      ),
    )
    expect(acks.map((a) => a.status)).toEqual([200, 200, 200, 200])
    await em.settle()
    const ids = receiver.received().map((r) => (r.json as { Result: { ConversationID: string } }).Result.ConversationID)
    expect(ids.sort()).toEqual(acks.map((a) => a.body.ConversationID as string).sort())
  })
})
