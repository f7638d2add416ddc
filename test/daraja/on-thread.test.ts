import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import type { DarajaClient } from '../../src/daraja/client.js'
import { DarajaCallError } from '../../src/daraja/errors.js'
import { NetworkError } from '../../src/http/request.js'
import type { RequestThread } from '../../src/http/request-thread.js'
import { startSendingThread, type SendingThread } from '../../src/webhooks/send-off-thread.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { emulatorClient } from '../helpers/daraja-client.js'
import { waitFor } from '../helpers/gateway.js'

/**
 * The Daraja client's exchanges made on the gateway's sending thread, against a real emulator on
 * loopback: what crosses, the deadline counted from the hand-over, and a thread that dies with a
 * B2C in flight (an unknown outcome, never sent again from the event loop).
 */

let emulator: RunningEmulator
let thread: SendingThread | undefined
let receiver: CallbackReceiver | undefined
beforeEach(async () => {
  emulator = await startEmulator({ callbackDelayMs: 20 })
})
afterEach(async () => {
  await thread?.close()
  thread = undefined
  await receiver?.close()
  receiver = undefined
  await emulator.close()
})

/** The thread, with the exchanges handed to it counted. */
function counted(t: SendingThread): RequestThread & { handed: string[] } {
  const handed: string[] = []
  return {
    handed,
    usable: () => t.usable(),
    exchange: (req) => {
      handed.push(new URL(req.url).pathname)
      return t.exchange(req)
    },
  }
}

function clientOn(on: RequestThread | undefined, timeoutMs = 2000): DarajaClient {
  return emulatorClient(emulator, { timeoutMs, thread: on })
}

const push = { phone: '254712345678', amount: 10, reference: 'R', description: 'D', callbackUrl: 'http://127.0.0.1:1/cb' }
const payout = (id: string) => ({ originatorConversationId: id, phone: '254712345678', amount: 98, remarks: 'Payout', resultUrl: 'http://127.0.0.1:1/r', queueTimeoutUrl: 'http://127.0.0.1:1/t' })
const b2cCalls = () => emulator.requests().filter((r) => r.endpoint === 'b2c_v3')

describe('Daraja exchanges on the sending thread', () => {
  it('token, STK push, STK query, B2C and Transaction Status cross to the thread once it has loaded, and their answers come back', async () => {
    thread = startSendingThread()
    const on = counted(thread)
    const client = clientOn(on)
    // The prompt held at the phone: the query's answer is "not yet" however long the round trip
    // takes (with the emulator's 20 ms callback delay, a loaded machine's query read '0').
    emulator.setScenario({ phone: push.phone, hold: true })
    await waitFor(() => thread!.usable(), { what: 'the thread to load' })
    const { CheckoutRequestID } = await client.stkPush(push)
    expect((await client.stkQuery(CheckoutRequestID)).data.ResultCode).toBe('4999')
    expect(await client.b2c(payout('mpg-on-thread'))).toMatchObject({ OriginatorConversationID: 'mpg-on-thread', ResponseCode: '0' })
    expect(await client.transactionStatus({ originalConversationId: 'mpg-on-thread', resultUrl: 'http://127.0.0.1:1/r', queueTimeoutUrl: 'http://127.0.0.1:1/t', remarks: 'Payout' })).toMatchObject({ ResponseCode: '0' })
    expect(on.handed).toEqual(['/oauth/v1/generate', '/mpesa/stkpush/v1/processrequest', '/mpesa/stkpushquery/v1/query', '/mpesa/b2c/v3/paymentrequest', '/mpesa/transactionstatus/v1/query'])
    // Each reached Daraja once, with the client's body.
    expect(emulator.requests().map((r) => r.endpoint)).toEqual(['oauth', 'stk_push', 'stk_query', 'b2c_v3', 'transaction_status'])
    expect(b2cCalls()[0].request.body).toMatchObject({ OriginatorConversationID: 'mpg-on-thread', CommandID: 'BusinessPayment', Amount: 98 })
    // A refusal comes back as Daraja's own, not as a failure of the thread.
    const dup = await client.b2c(payout('mpg-on-thread')).catch((e: unknown) => e)
    expect(dup).toMatchObject({ kind: 'refused', errorCode: '500.002.1001' })
  })

  it('before the thread has loaded, exchanges are made on the event loop', async () => {
    // Loads 800 ms late, so the token and the push are both made before it has.
    thread = startSendingThread(new URL('../fixtures/threads/slow-to-load.mjs', import.meta.url))
    const on = counted(thread)
    expect(thread.usable()).toBe(false)
    expect(await clientOn(on).stkPush(push)).toMatchObject({ ResponseCode: '0' })
    expect(on.handed).toEqual([])
  })

  it("times out on a slow Daraja through the thread at the client's deadline, and says the outcome is unknown", async () => {
    thread = startSendingThread()
    await waitFor(() => thread!.usable(), { what: 'the thread to load' })
    // The thread and its connection warmed first under the default deadline: on a loaded machine the
    // first exchanges through a thread just loaded took more than 300 ms (OAuth timed out).
    await clientOn(thread).stkPush(push)
    const client = clientOn(counted(thread), 300)
    await client.stkPush(push)
    emulator.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 2500 })
    const started = performance.now()
    const err = await client.stkPush(push).catch((e: unknown) => e)
    const took = performance.now() - started
    expect(err).toBeInstanceOf(DarajaCallError)
    expect(err).toMatchObject({ kind: 'unreachable', ambiguous: true })
    expect(took).toBeGreaterThanOrEqual(295)
    expect(took).toBeLessThan(1000)
  })

  it('the deadline counts from the hand-over: a wait for the thread is in it, and a request whose deadline passed meanwhile is never sent', async () => {
    receiver = await startCallbackReceiver()
    // Loads 800 ms late: the request waits for it in the thread's port.
    thread = startSendingThread(new URL('../fixtures/threads/slow-to-load.mjs', import.meta.url))
    const started = performance.now()
    const err = await thread.exchange({ method: 'POST', url: `${receiver.url}/mpesa/b2c/v3/paymentrequest`, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 100, maxBodyBytes: undefined }).catch((e: unknown) => e)
    const took = performance.now() - started
    expect(err).toBeInstanceOf(NetworkError)
    expect(err).toMatchObject({ code: 'ETIMEDOUT', timedOut: true })
    expect(took).toBeGreaterThanOrEqual(95)
    expect(took).toBeLessThan(300)
    // The thread takes the request once loaded, finds its deadline gone, and does not send it.
    await waitFor(() => thread!.usable(), { what: 'the thread to load' })
    const after = await thread.exchange({ method: 'GET', url: `${receiver.url}/after`, headers: undefined, body: undefined, timeoutMs: 2000, maxBodyBytes: undefined })
    expect(after.status).toBe(200)
    expect(receiver.received().map((r) => r.path)).toEqual(['/after'])
  })
})

describe('a sending thread that dies with a B2C in flight', () => {
  it('the B2C reached Daraja once; the client answers that the outcome is unknown (as a timeout), and nothing is sent again from the event loop', async () => {
    thread = startSendingThread(new URL('../fixtures/threads/dies-after-b2c.mjs', import.meta.url))
    const on = counted(thread)
    const client = clientOn(on)
    await waitFor(() => thread!.usable(), { what: 'the thread to load' })
    const err = await client.b2c(payout('mpg-dies')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DarajaCallError)
    expect(err).toMatchObject({ kind: 'unreachable', ambiguous: true })
    expect(thread.alive).toBe(false)
    // Daraja took it (200), once.
    expect(b2cCalls().map((c) => [c.status, (c.request.body as { OriginatorConversationID: string }).OriginatorConversationID])).toEqual([[200, 'mpg-dies']])
    // New exchanges, with the thread gone, are made on the event loop.
    expect(await client.b2c(payout('mpg-after'))).toMatchObject({ ResponseCode: '0' })
    expect(on.handed).toEqual(['/oauth/v1/generate', '/mpesa/b2c/v3/paymentrequest'])
    expect(b2cCalls().map((c) => (c.request.body as { OriginatorConversationID: string }).OriginatorConversationID)).toEqual(['mpg-dies', 'mpg-after'])
  })
})
