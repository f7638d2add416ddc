import { afterEach, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import { addEndpoint, bodyOf, listDeliveries } from '../webhooks/helpers.js'
import { openSse, type SseClient } from './sse.js'

let gw: TestGateway | undefined
const receivers: CallbackReceiver[] = []
let stream: SseClient | undefined
afterEach(async () => {
  stream?.abort()
  await gw?.close()
  for (const r of receivers.splice(0)) await r.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
})

const pay = async (gateway: TestGateway, reference: string) =>
  expect((await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference }) })).status).toBe(201)

interface EndpointView {
  id: string
  disabled_at?: string | null
}
const endpointsOf = async (gateway: TestGateway) => ((await (await gateway.api('/api/v1/webhooks')).json()) as { data: EndpointView[] }).data

describe('an endpoint that keeps failing is disabled', () => {
  it('after failing every attempt for the configured time: disabled with webhook_endpoint.disabled (other endpoints, the stream), no new deliveries; re-enabled by API and CLI', async () => {
    const dead = await startCallbackReceiver()
    const healthy = await startCallbackReceiver()
    receivers.push(dead, healthy)
    dead.answerWith({ status: 500, body: 'down' })
    // Attempts at least 150 ms apart: the one that disables (≥ 0.4 s after the first: the 2nd on a
    // slow machine, at the latest the 4th) leaves attempts still due, so the delivery is failed by
    // the disable itself, whatever the machine's pace.
    gw = await startTestGateway({ env: { MPG_WEBHOOK_DISABLE_AFTER_S: '0.4', MPG_WEBHOOK_RETRY_DELAYS_MS: '150,150,150,150,150,150' } })
    const failing = await addEndpoint(gw, `${dead.url}/hook`, { events: ['payment.success'] })
    await addEndpoint(gw, `${healthy.url}/hook`)
    stream = await openSse(gw)

    await pay(gw, 'first')
    const [notice] = await healthy.waitFor(1, { timeoutMs: 10_000, filter: (r) => bodyOf(r).event === 'webhook_endpoint.disabled' })
    expect(bodyOf(notice).data).toMatchObject({ id: failing.id, url: `${dead.url}/hook`, failing_since: expect.any(String), disabled_at: expect.any(String) })
    const failedFor = Date.parse(String(bodyOf(notice).data.disabled_at)) - Date.parse(String(bodyOf(notice).data.failing_since))
    expect(failedFor).toBeGreaterThanOrEqual(400)
    await waitFor(() => stream!.frames.some((f) => f.event === 'webhook_endpoint.disabled'), { what: 'the event on the stream' })
    const listed = (await endpointsOf(gw)).find((e) => e.id === failing.id)!
    expect(listed.disabled_at).toEqual(expect.any(String))
    // Its delivery was failed with the disable, with the attempts made, none of the later ones.
    const [delivery, ...none] = await listDeliveries(gw, failing.id)
    expect(none).toEqual([])
    expect(delivery).toMatchObject({ status: 'failed', next_attempt_at: null })
    const spacing = JSON.stringify(delivery.attempts.map((a) => [a.at, a.duration_ms]))
    expect(delivery.attempts.length, spacing).toBeGreaterThanOrEqual(2)
    expect(delivery.attempts.length, spacing).toBeLessThanOrEqual(4)
    const attemptsBefore = dead.received().length
    expect(attemptsBefore).toBe(delivery.attempts.length)

    // Disabled: a new payment makes no delivery for it (deliveries are stored with their event, so
    // once the healthy endpoint has the event, a delivery to the disabled one would be listed).
    await pay(gw, 'while-disabled')
    await healthy.waitFor(1, { filter: (r) => bodyOf(r).event === 'payment.success' && bodyOf(r).data.reference === 'while-disabled' })
    const deliveriesAfter = await listDeliveries(gw, failing.id)
    expect(deliveriesAfter).toHaveLength(1)
    expect(deliveriesAfter.filter((d) => d.status === 'pending')).toEqual([])
    expect(dead.received().length).toBe(attemptsBefore)

    // One event for the one change: the stream is ordered, so by the time it shows the later
    // payment, a second webhook_endpoint.disabled would have been on it.
    await waitFor(() => stream!.frames.some((f) => f.event === 'payment.success' && JSON.parse(f.data ?? '{}').data?.reference === 'while-disabled'), { what: 'the later payment on the stream' })
    expect(stream.frames.filter((f) => f.event === 'webhook_endpoint.disabled')).toHaveLength(1)
    expect(healthy.received().filter((r) => bodyOf(r).event === 'webhook_endpoint.disabled')).toHaveLength(1)
    expect(dead.received().every((r) => bodyOf(r).event !== 'webhook_endpoint.disabled')).toBe(true)

    // Re-enabled with the CLI: deliveries resume.
    dead.answerWith({ status: 200, body: 'ok' })
    const cli = await runCli(['webhooks', 'enable', failing.id, '--json'], { env: { MPG_BASE_URL: gw.url, MPG_API_KEY: gw.key } })
    expect(cli.exitCode, cli.stderr).toBe(0)
    expect(JSON.parse(cli.stdout)).toMatchObject({ id: failing.id, disabled_at: null })
    await pay(gw, 'after-enable')
    await dead.waitFor(attemptsBefore + 1, { timeoutMs: 10_000 })
    expect(bodyOf(dead.received().at(-1)!).data.reference).toBe('after-enable')

    // The API answers for unknown and foreign ids like any other endpoint call.
    expect((await gw.api('/api/v1/webhooks/we_nope/enable', { method: 'POST' })).status).toBe(404)
    const again = await gw.api(`/api/v1/webhooks/${failing.id}/enable`, { method: 'POST' })
    expect(again.status).toBe(200)
    expect(((await again.json()) as EndpointView).disabled_at).toBeNull()
  })

  it('its pending deliveries are failed when it is disabled, not when each comes due; one in flight then is failed once its attempt is recorded', async () => {
    const dead = await startCallbackReceiver()
    receivers.push(dead)
    dead.answerWith({ status: 500, body: 'down' })
    // Retries a minute apart: a delivery failed within this test was failed by the disable, not by
    // its next attempt finding the endpoint disabled.
    gw = await startTestGateway({ env: { MPG_WEBHOOK_DISABLE_AFTER_S: '0.3', MPG_WEBHOOK_RETRY_DELAYS_MS: '60000' } })
    const endpoint = await addEndpoint(gw, `${dead.url}/hook`, { events: ['payment.success'] })
    // A payment's delivery, found by the event the receiver got for it.
    const deliveryOf = async (reference: string) => {
      const sent = dead.received().find((r) => bodyOf(r).data.reference === reference)
      const found = (await listDeliveries(gw!, endpoint.id)).find((d) => d.event_id === (sent && bodyOf(sent).id))
      expect(found, reference).toBeDefined()
      return found!
    }

    // The first failed attempt starts the endpoint's failure clock.
    await pay(gw, 'first')
    await dead.waitFor(1, { timeoutMs: 10_000 })
    // An attempt the receiver holds open while the endpoint is disabled.
    dead.answerWith({ status: 500, body: 'slow', delayMs: 4000 })
    await pay(gw, 'in-flight')
    await dead.waitFor(2, { timeoutMs: 10_000 })
    dead.answerWith({ status: 500, body: 'down' })
    await new Promise((resolve) => setTimeout(resolve, 350))
    // Its failed attempt comes 0.3 s after the first: it disables the endpoint.
    await pay(gw, 'disabling')
    await waitFor(async () => (await endpointsOf(gw!)).find((e) => e.id === endpoint.id)!.disabled_at, { what: 'the endpoint to be disabled' })

    // At once, with their attempts kept: nothing pending waits for its next attempt a minute away.
    for (const reference of ['first', 'disabling']) {
      const d = await deliveryOf(reference)
      expect(d, reference).toMatchObject({ status: 'failed', next_attempt_at: null })
      expect(d.attempts.map((a) => a.status_code), reference).toEqual([500])
    }
    // The one in flight keeps its attempt (the receiver's answer) and is failed once it is recorded.
    const inFlight = await waitFor(async () => {
      const d = await deliveryOf('in-flight')
      return d.attempts.length > 0 && d.status !== 'pending' ? d : undefined
    }, { what: 'the attempt in flight to be recorded and its delivery failed', timeoutMs: 15_000 })
    expect(inFlight).toMatchObject({ status: 'failed', next_attempt_at: null })
    expect(inFlight.attempts.map((a) => [a.status_code, a.response_body])).toEqual([[500, 'slow']])
    expect(dead.received()).toHaveLength(3)

    // Re-enabled, a failed delivery is sent again by resend.
    dead.answerWith({ status: 200, body: 'ok' })
    expect((await gw.api(`/api/v1/webhooks/${endpoint.id}/enable`, { method: 'POST' })).status).toBe(200)
    const first = await deliveryOf('first')
    expect((await gw.api(`/api/v1/webhook-deliveries/${first.id}/resend`, { method: 'POST' })).status).toBe(202)
    await waitFor(async () => (await deliveryOf('first')).status === 'succeeded', { what: 'the resent delivery to succeed' })
    expect(dead.received()).toHaveLength(4)
  })

  it('a success before the time is up stops the clock', async () => {
    const flaky = await startCallbackReceiver()
    receivers.push(flaky)
    // Each streak of failures lasts ~150 ms (two attempts), far inside the 2 s; the pause between
    // the streaks is longer than 2 s, so a clock that ran on from the first streak would disable.
    // (With 0.5 s, a loaded machine could stretch one streak past the limit on its own.)
    gw = await startTestGateway({ env: { MPG_WEBHOOK_DISABLE_AFTER_S: '2', MPG_WEBHOOK_RETRY_DELAYS_MS: '150,150,150' } })
    const endpoint = await addEndpoint(gw, `${flaky.url}/hook`, { events: ['payment.success'] })
    flaky.answerWith({ status: 503 })
    await pay(gw, 'flaky')
    await flaky.waitFor(2)
    flaky.answerWith({ status: 200 })
    await waitFor(async () => (await listDeliveries(gw!, endpoint.id))[0]?.status === 'succeeded', { what: 'the delivery to succeed' })
    await new Promise((resolve) => setTimeout(resolve, 2200))
    flaky.answerWith({ status: 503 })
    await pay(gw, 'flaky-again')
    await flaky.waitFor(5, { timeoutMs: 15_000 })
    expect((await endpointsOf(gw)).find((e) => e.id === endpoint.id)!.disabled_at).toBeNull()
  })
})

describe('a deleted endpoint', () => {
  it('has its pending deliveries failed by the delete itself, attempts kept; another endpoint\'s are left pending', async () => {
    const dead = await startCallbackReceiver()
    const other = await startCallbackReceiver()
    receivers.push(dead, other)
    dead.answerWith({ status: 500, body: 'down' })
    other.answerWith({ status: 500, body: 'down' })
    // Retries a minute apart: a delivery failed within this test was failed by the delete, not by
    // its next attempt finding the endpoint deleted.
    gw = await startTestGateway({ env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '60000' } })
    const doomed = await addEndpoint(gw, `${dead.url}/hook`, { events: ['payment.success'] })
    const kept = await addEndpoint(gw, `${other.url}/hook`, { events: ['payment.success'] })
    await pay(gw, 'one')
    await pay(gw, 'two')
    // Each delivery's first attempt is recorded and its retry is a minute away.
    const waiting = async (endpointId: string) => {
      const ds = await listDeliveries(gw!, endpointId)
      return ds.length === 2 && ds.every((d) => d.status === 'pending' && d.attempts.length === 1 && d.next_attempt_at) ? ds : undefined
    }
    const before = await waitFor(() => waiting(doomed.id), { what: 'both deliveries pending after one attempt', timeoutMs: 15_000 })
    await waitFor(() => waiting(kept.id), { what: 'the other endpoint\'s deliveries pending after one attempt', timeoutMs: 15_000 })

    expect((await gw.api(`/api/v1/webhooks/${doomed.id}`, { method: 'DELETE' })).status).toBe(200)

    // Right after the delete: failed, with the attempt each had, nothing left due.
    const after = await listDeliveries(gw, doomed.id)
    expect(after.map((d) => d.id).sort()).toEqual(before.map((d) => d.id).sort())
    for (const d of after) {
      expect(d).toMatchObject({ status: 'failed', next_attempt_at: null })
      expect(d.attempts.map((a) => [a.status_code, a.response_body])).toEqual([[500, 'down']])
    }
    const abandoned = gw.logs.filter((l) => l.type === 'webhook.abandoned')
    expect(abandoned.map((l) => [l.delivery_id, l.reason]).sort()).toEqual(after.map((d) => [d.id, 'endpoint deleted']).sort())
    expect((await listDeliveries(gw, kept.id)).map((d) => d.status)).toEqual(['pending', 'pending'])
    expect(dead.received()).toHaveLength(2)
  })
})
