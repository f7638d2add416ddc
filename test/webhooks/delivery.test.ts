import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { attemptDelivery, leaseFor } from '../../src/webhooks/delivery-attempt.js'
import { addEndpoint, bodyOf, listDeliveries, seedSnippetAccepts, type DeliveryView } from './helpers.js'

let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined
const dirs: string[] = []

afterEach(async () => {
  await gw?.close()
  await receiver?.close()
  if (gw) removeDir(gw.dataDir)
  for (const dir of dirs.splice(0)) removeDir(dir)
  gw = undefined
  receiver = undefined
})

/** One payment.failed event (cancelled prompt, no payout follows). */
async function failPayment(gateway: TestGateway, auth?: string) {
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000001' }), auth })
  expect(res.status).toBe(201)
}

async function finished(gateway: TestGateway, endpointId: string, auth?: string): Promise<DeliveryView> {
  return waitFor(
    async () => {
      const [d] = await listDeliveries(gateway, endpointId, auth)
      return d && d.status !== 'pending' ? d : undefined
    },
    { timeoutMs: 15_000, what: 'the delivery to finish' },
  )
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('delivery retries and the attempt log', () => {
  it('a receiver answering 500 gets exactly 4 attempts at the configured spacing; the delivery is failed with its attempts; resend delivers it', async () => {
    receiver = await startCallbackReceiver()
    const longBody = `error:${'x'.repeat(2000)}`
    receiver.answerWith({ status: 500, body: longBody })
    gw = await startTestGateway({ env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '100,200,400' } })
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`, { events: ['payment.failed'] })
    await failPayment(gw)

    const failed = await finished(gw, endpoint.id)
    expect(failed.status).toBe('failed')
    expect(failed.next_attempt_at).toBeNull()
    expect(failed.attempts).toHaveLength(4)
    for (const a of failed.attempts) {
      expect(a.status_code).toBe(500)
      expect(a.error).toBeNull()
      expect(a.response_body).toBe(longBody.slice(0, 1024))
      expect(a.duration_ms).toBeGreaterThanOrEqual(0)
    }
    const got = receiver.received()
    expect(got).toHaveLength(4)
    // The same event each time: same body, same webhook-id; every copy verifies.
    expect(new Set(got.map((r) => r.text)).size).toBe(1)
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1)
    for (const r of got) expect(seedSnippetAccepts(endpoint.secret, r)).toBe(true)
    const gaps = got.slice(1).map((r, i) => r.receivedAt - got[i].receivedAt)
    const recordedGaps = failed.attempts.slice(1).map((a, i) => Date.parse(a.at) - Date.parse(failed.attempts[i].at))
    ;[100, 200, 400].forEach((delay, i) => {
      expect(gaps[i], `gap ${i + 1}`).toBeGreaterThanOrEqual(delay - 5)
      expect(recordedGaps[i], `recorded gap ${i + 1}`).toBeGreaterThanOrEqual(delay)
    })
    // No fifth attempt comes later: the worker only attempts pending deliveries, and this one is
    // stored failed with no next attempt (asserted above).

    receiver.answerWith({ status: 204 })
    const resend = await gw.api(`/api/v1/webhook-deliveries/${failed.id}/resend`, { method: 'POST' })
    expect(resend.status).toBe(202)
    expect(((await resend.json()) as DeliveryView).status).toBe('pending')
    const [fifth] = (await receiver.waitFor(5)).slice(4)
    expect(fifth.text).toBe(got[0].text)
    expect(seedSnippetAccepts(endpoint.secret, fifth)).toBe(true)
    const delivered = await finished(gw, endpoint.id)
    expect(delivered.status).toBe('succeeded')
    expect(delivered.attempts.map((a) => a.status_code)).toEqual([500, 500, 500, 500, 204])
    // A delivery that is pending cannot be resent; an unknown one is 404. The receiver answers
    // slowly so the resent delivery is surely still pending (in flight) at the second request.
    receiver.answerWith({ status: 204, delayMs: 1500 })
    expect((await gw.api(`/api/v1/webhook-deliveries/${failed.id}/resend`, { method: 'POST' })).status).toBe(202)
    expect((await gw.api(`/api/v1/webhook-deliveries/${failed.id}/resend`, { method: 'POST' })).status).toBe(409)
    expect((await gw.api('/api/v1/webhook-deliveries/del_nope/resend', { method: 'POST' })).status).toBe(404)
  })

  it('network errors and timeouts are recorded as attempts and retried', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 200, delayMs: 1500 })
    const port = await closedPort()
    gw = await startTestGateway({ env: { MPG_WEBHOOK_TIMEOUT_MS: '200', MPG_WEBHOOK_RETRY_DELAYS_MS: '20,20,20' } })
    const refused = await addEndpoint(gw, `http://127.0.0.1:${port}/hooks`)
    const slow = await addEndpoint(gw, `${receiver.url}/slow`)
    await failPayment(gw)

    const a = await finished(gw, refused.id)
    expect(a.status).toBe('failed')
    expect(a.attempts).toHaveLength(4)
    for (const attempt of a.attempts) {
      expect(attempt.status_code).toBeNull()
      expect(attempt.error).toMatch(/ECONNREFUSED|connect/i)
    }
    const b = await finished(gw, slow.id)
    expect(b.status).toBe('failed')
    expect(b.attempts).toHaveLength(4)
    for (const attempt of b.attempts) {
      expect(attempt.status_code).toBeNull()
      expect(attempt.error).toMatch(/within 200 ms/)
    }
  })

  it('does not follow redirects: a 302 is a failed attempt', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 302, headers: { location: `/elsewhere` } })
    gw = await startTestGateway({ env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '20,20,20' } })
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`)
    await failPayment(gw)
    const d = await finished(gw, endpoint.id)
    expect(d.status).toBe('failed')
    expect(d.attempts.map((x) => x.status_code)).toEqual([302, 302, 302, 302])
    expect(d.attempts[0].error).toMatch(/redirect not followed/)
    expect(receiver.received().map((r) => r.path)).toEqual(['/hooks', '/hooks', '/hooks', '/hooks'])
  })
})

describe('the attempt log line', () => {
  it('keeps its own name (webhook.attempt) and carries the delivered event type under event_type', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway()
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`, { events: ['payment.failed'] })
    await failPayment(gw)
    await finished(gw, endpoint.id)
    const lines = await waitFor(() => {
      const found = gw!.logs.filter((l) => l.type === 'webhook.attempt')
      return found.length > 0 ? found : undefined
    }, { timeoutMs: 15_000, what: 'the webhook.attempt log line' })
    expect(lines).toHaveLength(1)
    expect(lines[0].event).toBe('webhook.attempt')
    expect(lines[0].event_type).toBe('payment.failed')
    expect(lines[0].outcome).toBe('succeeded')
    expect(lines[0].endpoint_id).toBe(endpoint.id)
  })
})

describe('the queue survives a restart', () => {
  it('a retry pending at shutdown is delivered after the restart, once', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 503 })
    const first = await startTestGateway({ env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '2500,2500,2500' } })
    gw = first
    const key = first.key
    const endpoint = await addEndpoint(first, `${receiver.url}/hooks`)
    await failPayment(first)
    await receiver.waitFor(1)
    const pending = await waitFor(async () => {
      const [d] = await listDeliveries(first, endpoint.id)
      return d?.attempts.length === 1 ? d : undefined
    })
    expect(pending.status).toBe('pending')
    expect(pending.next_attempt_at).not.toBeNull()
    await first.close()
    gw = undefined
    dirs.push(first.dataDir)

    receiver.answerWith({ status: 200 })
    const second = await startTestGateway({ dataDir: first.dataDir, env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '2500,2500,2500' } })
    gw = second
    const got = await receiver.waitFor(2, { timeoutMs: 10_000 })
    expect(got[1].text).toBe(got[0].text)
    expect(got[1].receivedAt - got[0].receivedAt).toBeGreaterThanOrEqual(2500 - 5)
    expect(seedSnippetAccepts(endpoint.secret, got[1])).toBe(true)
    expect(new Webhook(endpoint.secret).verify(got[1].text, got[1].headers as Record<string, string>)).toEqual(got[1].json)
    const done = await finished(second, endpoint.id, key)
    expect(done.status).toBe('succeeded')
    expect(done.attempts.map((a) => a.status_code)).toEqual([503, 200])
    // Once: nothing more arrives, not even after another restart. The third gateway loads its
    // pending deliveries at start and sends them at once; a newer payment's event needs a push
    // and a callback first, so by the time it arrives a re-delivery of the old one would have.
    await second.close()
    const third = await startTestGateway({ dataDir: first.dataDir })
    gw = third
    await failPayment(third, key)
    const [, , newer] = await receiver.waitFor(3, { timeoutMs: 10_000 })
    expect(newer.headers['webhook-id']).not.toBe(got[0].headers['webhook-id'])
    expect(receiver.received().filter((r) => r.headers['webhook-id'] === got[0].headers['webhook-id'])).toHaveLength(2)
    expect(bodyOf(got[1]).event).toBe('payment.failed')
  })
})

describe('one attempt leases its delivery with one read', () => {
  it('a delivery not due yet is given back untouched: nothing is sent, its lease is free for the next taker', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 503 })
    gw = await startTestGateway({ env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '60000,60000,60000' } })
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`, { events: ['payment.failed'] })
    await failPayment(gw)
    const retrying = await waitFor(
      async () => {
        const [d] = await listDeliveries(gw!, endpoint.id)
        return d?.attempts.length === 1 ? d : undefined
      },
      { what: 'the first attempt to be recorded' },
    )
    expect(retrying.status).toBe('pending')
    const ctx = gw.context
    const leaseMs = leaseFor(ctx.config.webhookTimeoutMs)
    const outcome = await attemptDelivery(ctx, retrying.id, { owner: 'early-worker', leaseMs, signal: new AbortController().signal })
    expect(outcome.outcome).toBe('not_due')
    expect(receiver.received()).toHaveLength(1)
    // Given back: another owner leases it at once (a lease kept would refuse it for leaseMs).
    expect(await ctx.store.claimDelivery(retrying.id, 'next-worker', leaseMs)).toMatchObject({ id: retrying.id, status: 'pending' })
    await ctx.store.releaseDelivery(retrying.id, 'next-worker')
    const [after] = await listDeliveries(gw, endpoint.id)
    expect(after.attempts).toHaveLength(1)
    expect(after.next_attempt_at).toBe(retrying.next_attempt_at)
  })
})

describe('the worker counts requests to receivers', () => {
  it('the per-endpoint limit holds while attempts are recorded: never more requests open at the receiver than allowed, each delivered once', async () => {
    let open = 0
    let maxOpen = 0
    const ids: string[] = []
    const server = createHttpServer((req, res) => {
      open++
      maxOpen = Math.max(maxOpen, open)
      ids.push(String(req.headers['webhook-id']))
      req.resume()
      setTimeout(() => {
        open--
        res.writeHead(204).end()
      }, 15)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      gw = await startTestGateway({ env: { MPG_WEBHOOK_CONCURRENCY_PER_ENDPOINT: '2' } })
      const endpoint = await addEndpoint(gw, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, { events: ['payment.failed'] })
      await Promise.all(Array.from({ length: 12 }, () => failPayment(gw!)))
      await waitFor(async () => {
        const deliveries = await listDeliveries(gw!, endpoint.id)
        return deliveries.length === 12 && deliveries.every((d) => d.status === 'succeeded')
      }, { timeoutMs: 15_000, what: 'the 12 deliveries' })
      expect(maxOpen).toBeLessThanOrEqual(2)
      expect(new Set(ids).size).toBe(12)
      expect(ids).toHaveLength(12)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
