import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'

// The STK push and Daraja's two callbacks are served straight on node:http (src/gateway/node-listener.ts);
// the same route with a query string goes through h3. Both must answer alike.
let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(async () => {
  await gw.close()
})

const API_HEADERS = ['content-type', 'idempotent-replayed', 'ratelimit', 'ratelimit-policy', 'retry-after']

async function both(path: string, init: RequestInit & { auth?: string | null; json?: unknown }) {
  const answers = []
  for (const via of [path, `${path}?via=h3`]) {
    const res = await gw.api(via, { method: 'POST', ...init })
    // What is left of the rate limit moves from one request to the next: its form is compared.
    const headers = Object.fromEntries(API_HEADERS.map((h) => [h, res.headers.get(h)?.replace(/\b([rt])=\d+/g, '$1=n') ?? null]))
    answers.push({ status: res.status, headers, body: (await res.json()) as Record<string, unknown> })
  }
  return answers
}

describe('hot routes answer on node:http as through h3', () => {
  const cases: Array<[string, RequestInit & { auth?: string | null; json?: unknown }]> = [
    ['no Authorization', { auth: null, json: stkBody() }],
    ['two Authorization headers', { auth: null, headers: [['authorization', 'Bearer a'], ['authorization', 'Bearer b']], json: stkBody() }],
    ['an unknown key', { auth: 'mpg_test_00000000000000000000000000000000', json: stkBody() }],
    ['malformed JSON', { body: '{', headers: { 'content-type': 'application/json' } }],
    ['a text body', { body: 'hello', headers: { 'content-type': 'text/plain' } }],
    ['a bad amount', { json: stkBody({ amount: 0 }) }],
    ['two Idempotency-Key values', { headers: { 'idempotency-key': 'a, b' }, json: stkBody() }],
  ]
  for (const [name, init] of cases) {
    it(`stk-push, ${name}: same status, headers and {error, hint, detail}`, async () => {
      const [direct, viaH3] = await both('/api/v1/stk-push', init)
      expect(direct.status).toBeGreaterThanOrEqual(400)
      expect(direct).toEqual(viaH3)
    })
  }

  it('stk-push, a payment and its replay: same status and headers, the replay the first answer again', async () => {
    const created = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), headers: { 'idempotency-key': 'hot-1' } })
    expect(created.status).toBe(201)
    expect(created.headers.get('ratelimit-policy')).toBeTruthy()
    const first = await created.json()
    const [direct, viaH3] = await both('/api/v1/stk-push', { json: stkBody(), headers: { 'idempotency-key': 'hot-1' } })
    expect(direct).toEqual(viaH3)
    expect(direct).toMatchObject({ status: 200, headers: { 'idempotent-replayed': 'true' }, body: first })
  })

  it('both callbacks: an unknown token and a bad body get the same answers', async () => {
    for (const kind of ['stk', 'b2c']) {
      const path = `/api/v1/callbacks/daraja/${kind}/abcdefghijklmnopqrstuvwxyz012345`
      for (const init of [{ json: { Body: { stkCallback: { MerchantRequestID: 'm', CheckoutRequestID: 'c', ResultCode: 1, ResultDesc: 'x' } } } }, { json: { Result: 1 } }, { body: '[', headers: { 'content-type': 'application/json' } }]) {
        const [direct, viaH3] = await both(path, { auth: null, ...init })
        expect(direct.status).toBeGreaterThanOrEqual(400)
        expect(direct).toEqual(viaH3)
      }
    }
  })

  it('each answer gets one access-log line with its own request id', async () => {
    const before = gw.logs.length
    await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ amount: 0 }) })
    await gw.api('/api/v1/stk-push?x=1', { method: 'POST', json: stkBody({ amount: 0 }) })
    // (Daraja's callback for the payment above may be logged in between.)
    const lines = gw.logs.slice(before).filter((l) => l.event === 'request' && l.path === '/api/v1/stk-push')
    expect(lines).toHaveLength(2)
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ['POST', '/api/v1/stk-push', 400],
      ['POST', '/api/v1/stk-push', 400],
    ])
    expect(lines[0].request_id).not.toBe(lines[1].request_id)
    expect(typeof lines[0].duration_ms).toBe('number')
  })
})
