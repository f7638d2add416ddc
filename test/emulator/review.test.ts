import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, bearer, getToken, http, queryBody, stkBody } from './helpers.js'

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

describe('finished transactions are kept up to maxFinishedTransactions of each kind', () => {
  it('STK: the oldest finished prompt is forgotten past the bound; newer ones and one still in flight answer as before', async () => {
    em = await startEmulator({ callbackDelayMs: 0, maxFinishedTransactions: 2 })
    receiver = await startCallbackReceiver()
    const token = await getToken(em)
    const push = async (phone: string) => {
      const res = await http('POST', `${em!.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em!, phone, `${receiver!.url}/cb`) })
      expect(res.status).toBe(200)
      return res.body.CheckoutRequestID as string
    }
    const query = (id: string) => http('POST', `${em!.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body: queryBody(em!, id) })
    const held = await push('254700000008')
    const finished: string[] = []
    for (const phone of ['254711000001', '254711000002', '254711000003']) {
      finished.push(await push(phone))
      await em.settle()
    }
    const [oldest, ...recent] = finished
    const forgotten = await query(oldest!)
    expect(forgotten.status).toBe(500)
    expect(forgotten.body.errorCode).toBe('500.001.1001')
    for (const id of recent) {
      const res = await query(id)
      expect(res.status).toBe(200)
      expect(res.body.ResultCode).toBe('0')
    }
    const inFlight = await query(held)
    expect(inFlight.status).toBe(200)
    expect(inFlight.body.ResultCode).toBe('4999')
    // Every accepted push still got its one callback.
    expect(receiver.received()).toHaveLength(3)
  })

  it('B2C: Transaction Status finds the newest finished payouts and no longer the oldest', async () => {
    em = await startEmulator({ callbackDelayMs: 0, maxFinishedTransactions: 2 })
    receiver = await startCallbackReceiver()
    const token = await getToken(em)
    const originators: string[] = []
    for (const n of [1, 2, 3]) {
      const originator = `finished-${n}-${Date.now()}`
      const res = await http('POST', `${em.url}/mpesa/b2c/v3/paymentrequest`, {
        headers: bearer(token),
        body: b2cBody(em, '254712345678', `${receiver.url}/result`, { OriginatorConversationID: originator }),
      })
      expect(res.status).toBe(200)
      await em.settle()
      originators.push(originator)
    }
    expect(receiver.received()).toHaveLength(3)
    receiver.clear()
    const status = async (originator: string) => {
      const res = await http('POST', `${em!.url}/mpesa/transactionstatus/v1/query`, {
        headers: bearer(token),
        body: {
          Initiator: em!.credentials.initiatorName,
          SecurityCredential: em!.credentials.securityCredential,
          CommandID: 'TransactionStatusQuery',
          PartyA: em!.credentials.b2cShortcode,
          IdentifierType: '4',
          ResultURL: `${receiver!.url}/status`,
          QueueTimeOutURL: `${receiver!.url}/timeout`,
          Remarks: 'OK',
          OriginalConversationID: originator,
        },
      })
      expect(res.status).toBe(200)
      const [cb] = await receiver!.waitFor(1)
      receiver!.clear()
      return (cb!.json as { Result: { ResultCode: number } }).Result.ResultCode
    }
    expect(await status(originators[0]!)).toBe(2032)
    expect(await status(originators[1]!)).toBe(0)
    expect(await status(originators[2]!)).toBe(0)
  })
})
