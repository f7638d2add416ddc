import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { attemptDelivery, leaseFor } from '../../src/webhooks/delivery-attempt.js'
import type { DeliveryPost } from '../../src/webhooks/post-delivery.js'
import { startSendingThread, type SendingThread } from '../../src/webhooks/send-off-thread.js'
import { generateWebhookSecret, verifyWebhookSignature } from '../../src/webhooks/signature.js'
import { addEndpoint, listDeliveries } from './helpers.js'

let receiver: CallbackReceiver | undefined
let sender: SendingThread | undefined
const live = new AbortController().signal
let gw: TestGateway | undefined

afterEach(async () => {
  await sender?.close()
  await receiver?.close()
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  sender = undefined
  receiver = undefined
  gw = undefined
})

const secret = generateWebhookSecret()
const body = JSON.stringify({ id: 'evt_1', event: 'payment.success', created_at: '2026-11-30T00:00:00.000Z', data: { amount: 100 } })

function ask(url: string, publicOnly = false): DeliveryPost {
  return { url, body, secret, eventId: 'evt_1', eventType: 'payment.success', deliveryId: 'del_1', signedAt: Math.floor(Date.now() / 1000), timeoutMs: 2_000, maxBodyBytes: 1024, publicOnly }
}

describe('webhook deliveries signed and sent on their own thread', () => {
  it('reaches a real receiver with the body byte for byte and both signatures valid, and brings its answer back', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 202, body: 'thanks' })
    sender = startSendingThread()
    // Not usable before it has loaded (deliveries go inline meanwhile), then usable.
    expect(sender.usable()).toBe(false)
    await waitFor(() => sender!.usable(), { what: 'the thread to load' })
    const answer = await sender.send(ask(`${receiver.url}/hooks`), live)
    expect(answer).toMatchObject({ status: 202, body: 'thanks', location: null })
    const [got] = receiver.received()
    expect(got.text).toBe(body)
    expect(got.headers['x-mpesa-gateway-delivery']).toBe('del_1')
    expect(got.headers['x-mpesa-gateway-event']).toBe('payment.success')
    expect(got.headers['content-type']).toBe('application/json')
    expect(verifyWebhookSignature({ rawBody: got.raw, signature: got.headers['x-mpesa-gateway-signature'], secret })).toBe(true)
    expect(new Webhook(secret.slice('whsec_'.length)).verify(got.text, got.headers as Record<string, string>)).toEqual(JSON.parse(body))
  })

  it("an answer is timed on the event loop's side, from the hand-over to the answer back: a wait for the thread (here, to load) is in it", async () => {
    receiver = await startCallbackReceiver()
    sender = startSendingThread()
    for (const url of [`${receiver.url}/hooks`, 'http://127.0.0.1:1/hooks']) {
      // Handed over at once: the thread has not loaded yet the first time.
      const handed = performance.now()
      const answer = await sender.send(ask(url), live)
      const back = performance.now() - handed
      expect(answer).toMatchObject(url.endsWith(':1/hooks') ? { error: expect.stringContaining('ECONNREFUSED') } : { status: 200 })
      // A few ms of slack for the await's own turn (a minor GC may fall in it); the thread's own timing read ~10x less.
      expect(answer.durationMs).toBeGreaterThan(back - 10)
      expect(answer.durationMs).toBeLessThanOrEqual(back)
    }
  })

  it("a redirect's Location comes back (not followed); a refused connection and a private address refused at connect time come back as errors", async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 302, headers: { location: 'https://elsewhere.example/x' } })
    sender = startSendingThread()
    expect(await sender.send(ask(`${receiver.url}/hooks`), live)).toMatchObject({ status: 302, location: 'https://elsewhere.example/x' })
    expect(receiver.received()).toHaveLength(1)
    // 127.0.0.1 is not public: refused before any byte is sent.
    const refused = await sender.send(ask(`${receiver.url}/hooks`, true), live)
    expect(refused).toMatchObject({ error: expect.stringContaining('EADDRNOTALLOWED') })
    expect(receiver.received()).toHaveLength(1)
    const gone = await startCallbackReceiver()
    await gone.close()
    expect(await sender.send(ask(`${gone.url}/hooks`), live)).toMatchObject({ error: expect.stringContaining('ECONNREFUSED') })
  })

  it('a send waiting for a slow receiver is rejected at once when the signal aborts; a closed sender is not alive and refuses sends', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 200, delayMs: 1_500 })
    const stop = new AbortController()
    sender = startSendingThread()
    const waiting = sender.send(ask(`${receiver.url}/hooks`), stop.signal)
    await receiver.waitFor(1)
    const before = Date.now()
    stop.abort()
    await expect(waiting).rejects.toThrow(/cancelled/)
    expect(Date.now() - before).toBeLessThan(500)
    const other = startSendingThread()
    expect(other.alive).toBe(true)
    await other.close()
    expect(other.alive).toBe(false)
    await expect(other.send(ask(`${receiver.url}/hooks`), live)).rejects.toThrow(/stopped/)
  })

  it('its timeout counts from the hand-over: a delivery whose time passed while it waited for the thread is not sent', async () => {
    receiver = await startCallbackReceiver()
    // Loads 800 ms late: the delivery waits for it in the thread's port.
    sender = startSendingThread(new URL('../fixtures/threads/slow-to-load.mjs', import.meta.url))
    const answer = await sender.send({ ...ask(`${receiver.url}/late`), timeoutMs: 100 }, live)
    expect(answer).toMatchObject({ error: expect.stringContaining('ETIMEDOUT') })
    // Sent only once the thread is up, so the receiver's next request is the one after.
    const after = await sender.send(ask(`${receiver.url}/after`), live)
    expect(after).toMatchObject({ status: 200 })
    expect(receiver.received().map((r) => r.path)).toEqual(['/after'])
  })
})

describe('a sending thread that dies', () => {
  it('the delivery it was sending is sent from the event loop instead: delivered once, signed, recorded once; the sender is no longer alive', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 200, body: 'ok' })
    gw = await startTestGateway()
    // The gateway's own worker stopped: the delivery waits, due, for the attempt made below.
    await gw.context.deliveryWorker!.stop()
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`, { events: ['payment.failed'] })
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000001' }) })).status).toBe(201)
    const [due] = await waitFor(async () => {
      const found = await listDeliveries(gw!, endpoint.id)
      return found.length > 0 ? found : undefined
    }, { what: 'the payment.failed delivery to be stored' })
    expect(due).toMatchObject({ status: 'pending', attempts: [] })

    sender = startSendingThread(new URL('../fixtures/threads/dies-on-first-send.mjs', import.meta.url))
    await waitFor(() => sender!.usable(), { what: 'the dying thread to load' })
    const ctx = gw.context
    const outcome = await attemptDelivery(ctx, due.id, { owner: 'test-worker', leaseMs: leaseFor(ctx.config.webhookTimeoutMs), signal: new AbortController().signal, sender })
    expect(outcome.outcome).toBe('succeeded')
    expect(sender.alive).toBe(false)
    expect(sender.usable()).toBe(false)
    const [got] = receiver.received()
    expect(receiver.received()).toHaveLength(1)
    expect(got.headers['x-mpesa-gateway-delivery']).toBe(due.id)
    expect(verifyWebhookSignature({ rawBody: got.raw, signature: got.headers['x-mpesa-gateway-signature'], secret: endpoint.secret })).toBe(true)
    const [after] = await listDeliveries(gw, endpoint.id)
    expect(after).toMatchObject({ status: 'succeeded' })
    expect(after.attempts.map((a) => a.status_code)).toEqual([200])
  })
})
