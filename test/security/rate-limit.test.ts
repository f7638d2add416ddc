import { afterEach, describe, expect, it } from 'vitest'
import { GatewayClient } from '../../src/client/gateway-client.js'
import { loadGatewayConfig } from '../../src/config/gateway-config.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint, listDeliveries } from '../webhooks/helpers.js'
import { openSse, type SseClient } from './sse.js'

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

const push = (gateway: TestGateway, i: number) => gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: `R-${i}` }) })

function expect429(res: Response, body: unknown) {
  expect(res.status).toBe(429)
  expect(body).toEqual({ error: expect.any(String), hint: expect.any(String), detail: expect.any(String) })
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
  expect(res.headers.get('ratelimit-policy')).toMatch(/^"[a-z-]+";q=\d+/)
  expect(res.headers.get('ratelimit')).toMatch(/^"[a-z-]+";r=0/)
}

describe('rate limits', () => {
  it('defaults: a burst of 300 pushes from one key gets at most 100 + 50/s through; the rest are 429 and create nothing', async () => {
    gw = await startTestGateway({ env: { MPG_EMULATOR_CALLBACK_DELAY_MS: '60000' } })
    const started = performance.now()
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => push(gw!, i)))
    const elapsedS = (performance.now() - started) / 1000
    const created = answers.filter((r) => r.status === 201).length
    const limited = answers.filter((r) => r.status === 429)
    console.log(`300 pushes in ${elapsedS.toFixed(2)} s: ${created} created, ${limited.length} answered 429`)
    expect(created + limited.length).toBe(300)
    expect(created).toBeGreaterThanOrEqual(100)
    expect(created).toBeLessThanOrEqual(100 + Math.ceil(50 * elapsedS) + 1)
    expect429(limited[0], await limited[0].json())
    expect(limited[0].headers.get('ratelimit-policy')).toBe('"stk-push";q=100;w=2')
    // Only the accepted pushes exist.
    let stored = 0
    let cursor: string | null = null
    do {
      const page = (await (await gw.api(`/api/v1/transactions?limit=100${cursor ? `&starting_after=${cursor}` : ''}`)).json()) as { data: unknown[]; next_cursor: string | null }
      stored += page.data.length
      cursor = page.next_cursor
    } while (cursor)
    expect(stored).toBe(created)
  })

  it('counts per key: one key spent does not limit another; successful answers carry RateLimit headers', async () => {
    gw = await startTestGateway({ env: { MPG_RATE_LIMIT_PUSH_PER_S: '0.01', MPG_RATE_LIMIT_PUSH_BURST: '3', MPG_EMULATOR_CALLBACK_DELAY_MS: '60000' } })
    const first = await Promise.all(Array.from({ length: 8 }, (_, i) => push(gw!, i)))
    expect(first.map((r) => r.status).sort()).toEqual([201, 201, 201, 429, 429, 429, 429, 429])
    const ok = first.find((r) => r.status === 201)!
    expect(ok.headers.get('ratelimit-policy')).toBe('"stk-push";q=3;w=300')
    expect(ok.headers.get('ratelimit')).toMatch(/^"stk-push";r=[0-2];t=\d+$/)
    const accounts = (await (await gw.admin('/api/v1/admin/accounts')).json()) as { data: Array<{ id: string }> }
    const other = (await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: accounts.data[0].id, mode: 'test' } })).json()) as { key: string }
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), auth: other.key })).status).toBe(201)
    // Reads have their own, higher limit.
    expect((await gw.api('/api/v1/transactions')).status).toBe(200)
  })

  it('at most 10 event streams per key at once; closing one frees a place', async () => {
    gw = await startTestGateway()
    for (let i = 0; i < 10; i++) {
      const s = await openSse(gw)
      streams.push(s)
      expect(s.status).toBe(200)
    }
    const eleventh = await openSse(gw)
    expect(eleventh.status).toBe(429)
    const body = JSON.parse(eleventh.body)
    expect(body.error).toBe('Too many event streams')
    expect(eleventh.headers.get('ratelimit-policy')).toBe('"streams";q=10')
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0)
    streams.shift()!.abort()
    await waitFor(async () => {
      const s = await openSse(gw!)
      if (s.status === 200) streams.push(s)
      return s.status === 200
    }, { what: 'a free stream place' })
  })

  it('resends are limited per account', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway({ env: { MPG_RATE_LIMIT_RESENDS_PER_MIN: '2' } })
    const endpoint = await addEndpoint(gw, `${receiver.url}/hook`, { events: ['payment.success'] })
    expect((await push(gw, 1)).status).toBe(201)
    const [delivery] = await waitFor(async () => {
      const list = await listDeliveries(gw!, endpoint.id)
      return list.length === 1 && list[0].status === 'succeeded' ? list : undefined
    }, { what: 'the first delivery' })
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      const res = await gw.api(`/api/v1/webhook-deliveries/${delivery.id}/resend`, { method: 'POST' })
      statuses.push(res.status)
      if (res.status === 429) expect429(res, await res.json())
      await waitFor(async () => (await listDeliveries(gw!, endpoint.id))[0].status !== 'pending', { what: 'the resend to finish' })
    }
    expect(statuses).toEqual([202, 202, 429])
  })

  it('MPG_RATE_LIMIT=off lets every request through', async () => {
    gw = await startTestGateway({ env: { MPG_RATE_LIMIT: 'off', MPG_RATE_LIMIT_PUSH_PER_S: '0.01', MPG_RATE_LIMIT_PUSH_BURST: '1', MPG_RATE_LIMIT_STREAMS: '1', MPG_EMULATOR_CALLBACK_DELAY_MS: '60000' } })
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => push(gw!, i)))
    expect(answers.every((r) => r.status === 201)).toBe(true)
    expect(answers[0].headers.get('ratelimit')).toBeNull()
    for (let i = 0; i < 3; i++) {
      const s = await openSse(gw)
      streams.push(s)
      expect(s.status).toBe(200)
    }
  })

  it('the SDK honours Retry-After on 429 with a bounded retry', async () => {
    gw = await startTestGateway({ env: { MPG_RATE_LIMIT_PUSH_PER_S: '1', MPG_RATE_LIMIT_PUSH_BURST: '1', MPG_EMULATOR_CALLBACK_DELAY_MS: '60000' } })
    const client = new GatewayClient({ baseUrl: gw.url, apiKey: gw.key })
    const results = await Promise.all([0, 1, 2].map((i) => client.stkPush(stkBody({ reference: `SDK-${i}` }))))
    expect(results.map((r) => r.status)).toEqual(['pending', 'pending', 'pending'])
    const requests = gw.logs.filter((l) => l.event === 'request' && l.path === '/api/v1/stk-push')
    expect(requests.filter((l) => l.status === 429).length).toBeGreaterThanOrEqual(2)
    expect(requests.filter((l) => l.status === 201).length).toBe(3)

    // Bounded: a limit that does not free up within the bound is reported, not waited out.
    const slow = await startTestGateway({ env: { MPG_RATE_LIMIT_PUSH_PER_S: '0.01', MPG_RATE_LIMIT_PUSH_BURST: '1', MPG_EMULATOR_CALLBACK_DELAY_MS: '60000' } })
    try {
      const c = new GatewayClient({ baseUrl: slow.url, apiKey: slow.key })
      await c.stkPush(stkBody())
      const started = Date.now()
      await expect(c.stkPush(stkBody({ reference: 'again' }))).rejects.toMatchObject({ status: 429 })
      // Thrown at once, not after waiting: Retry-After is 100 s, beyond the client's 10 s bound
      // (below that bound, so a loaded machine's slow answer cannot fail it).
      expect(Date.now() - started).toBeLessThan(9000)
    } finally {
      await slow.close()
      removeDir(slow.dataDir)
    }
  })

  it('settings are validated at start-up', () => {
    expect(loadGatewayConfig({}).rateLimits).toEqual({ enabled: true, pushPerS: 50, pushBurst: 100, apiPerS: 200, apiBurst: 400, streamsPerKey: 10, resendsPerMin: 60 })
    expect(() => loadGatewayConfig({ MPG_RATE_LIMIT: 'maybe' })).toThrow(/MPG_RATE_LIMIT must be on or off/)
    expect(() => loadGatewayConfig({ MPG_RATE_LIMIT_PUSH_BURST: '0' })).toThrow(/MPG_RATE_LIMIT_PUSH_BURST must be at least 1/)
  })
})
