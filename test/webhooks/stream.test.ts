import { request, type IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { rawRequest } from '../reliability/http.js'
import { readFrames, type Frame } from '../helpers/sse-frames.js'
import { addEndpoint, bodyOf, createAccountWithKey } from './helpers.js'

let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined
const streams: SseClient[] = []

afterEach(async () => {
  for (const s of streams.splice(0)) s.abort()
  await gw?.close()
  await receiver?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
  receiver = undefined
})


/** A raw SSE reader over fetch: frames split on blank lines, fields read as the wire has them. */
interface SseClient {
  status: number
  frames: Frame[]
  events(): Frame[]
  /** Resolves when the server ends the stream: 'done' for a clean end, else the error text. */
  ended: Promise<string>
  abort(): void
}

async function openStream(gateway: TestGateway, options: { auth?: string; lastEventId?: string; query?: string } = {}): Promise<SseClient> {
  const controller = new AbortController()
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId
  const res = await gateway.api(`/api/v1/events/stream${options.query ?? ''}`, { headers, signal: controller.signal, auth: options.auth })
  const frames: Frame[] = []
  const client: SseClient = {
    status: res.status,
    frames,
    events: () => frames.filter((f) => f.id !== undefined),
    ended: Promise.resolve('not a stream'),
    abort: () => controller.abort(),
  }
  if (res.status !== 200 || !res.body) return client
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
  client.ended = readFrames(res.body, frames)
  streams.push(client)
  return client
}

async function push(gateway: TestGateway, phone: string, auth?: string) {
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }), auth })
  expect(res.status).toBe(201)
}

describe('GET /api/v1/events/stream', () => {
  it('carries every event in order, with the webhook body byte-for-byte as data', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway()
    await addEndpoint(gw, `${receiver.url}/hooks`)
    const stream = await openStream(gw)
    expect(stream.status).toBe(200)
    await waitFor(() => stream.frames.some((f) => f.comments.includes('connected')), { what: 'connected comment' })

    await push(gw, '254708374149')
    await waitFor(() => stream.events().length >= 2, { what: 'payment and payout events' })
    await push(gw, '254700000001')
    await waitFor(() => stream.events().length >= 3, { what: 'three events' })
    const hooks = await receiver.waitFor(3)

    const events = stream.events()
    expect(events.map((f) => f.event)).toEqual(['payment.success', 'payout.success', 'payment.failed'])
    const stored = await gw.context.store.listEventsAfter(gw.bootstrap!.account_id, 'test', 0, 100)
    expect(events.map((f) => f.id)).toEqual(stored.map((e) => e.id))
    for (const f of events) {
      const body = JSON.parse(f.data!) as { id: string; event: string }
      expect(body.id).toBe(f.id)
      expect(body.event).toBe(f.event)
      const hook = hooks.find((h) => bodyOf(h).id === f.id)!
      expect(f.data).toBe(hook.text)
    }
  })

  it('resumes after Last-Event-ID from the store, then follows live events', async () => {
    gw = await startTestGateway()
    const first = await openStream(gw)
    await push(gw, '254708374149')
    await push(gw, '254700000001')
    await waitFor(() => first.events().length >= 3, { what: 'three events' })
    first.abort()
    const all = first.events()

    const resumed = await openStream(gw, { lastEventId: all[0].id })
    await waitFor(() => resumed.events().length >= 2, { what: 'replayed events' })
    await push(gw, '254700000001')
    await waitFor(() => resumed.events().length >= 3, { what: 'a live event after the replay' })
    expect(resumed.events().map((f) => f.id).slice(0, 2)).toEqual([all[1].id, all[2].id])
    expect(resumed.events()[2].event).toBe('payment.failed')
    expect(new Set(resumed.events().map((f) => f.id)).size).toBe(3)
    expect(resumed.events().map((f) => f.id)).not.toContain(all[0].id)

    // Resuming from the latest event replays nothing: the next payment's event is the first it sees.
    const latest = await openStream(gw, { lastEventId: resumed.events()[2].id })
    await waitFor(() => latest.frames.some((f) => f.comments.includes('connected')), { what: 'connected comment' })
    await push(gw, '254700000001')
    await waitFor(() => resumed.events().length >= 4, { what: 'the next live event' })
    await waitFor(() => latest.events().length >= 1, { what: 'the next live event on the resumed stream' })
    expect(latest.events().map((f) => f.id)).toEqual([resumed.events()[3].id])

    const unknown = await openStream(gw, { lastEventId: 'evt_doesnotexist' })
    expect(unknown.status).toBe(400)
  })

  it('is scoped to the key: another account sees neither live nor replayed events, nor may resume from them', async () => {
    gw = await startTestGateway()
    const other = await createAccountWithKey(gw, 'Other', { type: 'mpesa', phone: '254712345678' })
    const mine = await openStream(gw)
    const theirs = await openStream(gw, { auth: other.key })
    await push(gw, '254700000001')
    await waitFor(() => mine.events().length >= 1, { what: 'my event' })
    await push(gw, '254700000001', other.key)
    await waitFor(() => theirs.events().length >= 1, { what: 'their event' })
    // A later payment of mine is on my stream after anything of theirs could have been (one ordered stream).
    await push(gw, '254700000001')
    await waitFor(() => mine.events().length >= 2, { what: 'my second event' })
    expect(mine.events()).toHaveLength(2)
    expect(theirs.events()).toHaveLength(1)
    expect(theirs.events()[0].id).not.toBe(mine.events()[0].id)
    expect((await openStream(gw, { auth: other.key, lastEventId: mine.events()[0].id })).status).toBe(400)
  })

  it('filters by ?events= and sends heartbeat comments', async () => {
    gw = await startTestGateway()
    gw.context.eventStreams!.heartbeatMs = 50
    const payouts = await openStream(gw, { query: '?events=payout.success' })
    await push(gw, '254708374149')
    await waitFor(() => payouts.events().length >= 1, { what: 'payout event' })
    await waitFor(() => payouts.frames.filter((f) => f.comments.includes('heartbeat')).length >= 2, { what: 'heartbeats' })
    await gw.emulator!.settle()
    expect(payouts.events().map((f) => f.event)).toEqual(['payout.success'])
    expect((await openStream(gw, { query: '?events=payment.refunded' })).status).toBe(400)
  })

  it('forgets a client that disconnects, and ends open streams cleanly when the gateway closes', async () => {
    gw = await startTestGateway()
    const hub = gw.context.eventStreams!
    // A plain node:http client that drops its socket, as a browser tab or a killed `mpg tail` does.
    const leaving = request(`${gw.url}/api/v1/events/stream`, { headers: { authorization: `Bearer ${gw.key}` } })
    leaving.end()
    const res = await new Promise<IncomingMessage>((resolve) => leaving.on('response', resolve))
    expect(res.statusCode).toBe(200)
    await new Promise((resolve) => res.once('data', resolve))
    const staying = await openStream(gw)
    await waitFor(() => hub.size() === 2, { what: 'two open streams' })
    leaving.destroy()
    await waitFor(() => hub.size() === 1, { what: 'the disconnected stream to be dropped' })

    const started = Date.now()
    await gw.close()
    // A clean end (not a reset by the server's 5 s forced close) proves the stream was closed by the gateway.
    expect(await staying.ended).toBe('done')
    expect(Date.now() - started).toBeLessThan(4900)
    expect(gw.context.eventStreams).toBeUndefined()
  })

  it('HEAD answers the stream\'s headers without leaving a stream open', async () => {
    gw = await startTestGateway()
    const hub = gw.context.eventStreams!
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(gw.url, { method: 'HEAD', path: '/api/v1/events/stream', headers: [['authorization', `Bearer ${gw.key}`]] })
      expect(res.status).toBe(200)
      expect(String(res.headers['content-type'])).toMatch(/^text\/event-stream/)
    }
    await waitFor(() => hub.size() === 0, { what: 'no stream left open by HEAD requests' })
  })
})
