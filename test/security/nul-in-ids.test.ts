import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint } from '../webhooks/helpers.js'

// PostgreSQL refuses a NUL byte in text ("invalid byte sequence for encoding UTF8: 0x00"): an id, a
// cursor or a filter that carries one must be turned away as bad input before it reaches a query,
// with the same answer on both stores, never as a 500.
let gw: TestGateway
let endpointId: string
beforeAll(async () => {
  gw = await startTestGateway()
  endpointId = (await addEndpoint(gw, 'http://127.0.0.1:9/hook')).id
})
afterAll(async () => {
  await gw.close()
  removeDir(gw.dataDir)
})

const cases: [string, () => string, 'GET' | 'POST' | 'DELETE', number][] = [
  ['a transaction list cursor', () => '/api/v1/transactions?starting_after=%00', 'GET', 400],
  ['a transaction list cursor with a NUL inside', () => '/api/v1/transactions?starting_after=a%00b', 'GET', 400],
  ['a delivery log cursor', () => `/api/v1/webhooks/${endpointId}/deliveries?starting_after=%00`, 'GET', 400],
  ['a delivery log cursor with a NUL inside', () => `/api/v1/webhooks/${endpointId}/deliveries?starting_after=wd_a%00b`, 'GET', 400],
  ['a reference filter', () => '/api/v1/transactions?reference=a%00b', 'GET', 400],
  ['a transaction id', () => '/api/v1/transactions/a%00b', 'GET', 404],
  ["a transaction's events", () => '/api/v1/transactions/a%00b/events', 'GET', 404],
  ['an endpoint id (delivery log)', () => '/api/v1/webhooks/we_a%00b/deliveries', 'GET', 404],
  ['an endpoint id (delete)', () => '/api/v1/webhooks/we_a%00b', 'DELETE', 404],
  ['an endpoint id (enable)', () => '/api/v1/webhooks/we_a%00b/enable', 'POST', 404],
  ['a delivery id (resend)', () => '/api/v1/webhook-deliveries/wd_a%00b/resend', 'POST', 404],
]

describe('a NUL byte in an id, a cursor or a filter', () => {
  for (const [what, path, method, status] of cases) {
    it(`${what}: ${status} with error, hint and detail`, async () => {
      const res = await gw.api(path(), { method })
      expect(res.status).toBe(status)
      expect(await res.json()).toMatchObject({ error: expect.any(String), hint: expect.any(String), detail: expect.any(String) })
    })
  }

  it('a webhook URL in a body is stored as the URL standard writes it (%00), with no NUL', async () => {
    const res = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: 'http://127.0.0.1:9/a\u0000b' } })
    expect(res.status).toBe(201)
    expect(((await res.json()) as { url: string }).url).toBe('http://127.0.0.1:9/a%00b')
  })

  it("an STK push's reference in a body: 400", async () => {
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: { amount: 10, phone: '254708374149', reference: 'A\u0000B', description: 'x' } })
    expect(res.status).toBe(400)
  })

  it("an account's name (admin): 400", async () => {
    const res = await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Shop\u0000', payout_account: { type: 'mpesa', phone: '254708374149' } } })
    expect(res.status).toBe(400)
  })

  it("a bank payout account's number (admin): 400", async () => {
    const res = await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Shop', payout_account: { type: 'bank', bank: 'KCB', account_number: '12\u00003' } } })
    expect(res.status).toBe(400)
  })

  it("an API key's name (admin): 400", async () => {
    const account = (await (await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Shop' } })).json()) as { id: string }
    const res = await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test', name: 'ci\u0000' } })
    expect(res.status).toBe(400)
  })

  it('an admin key id (revoke): 404', async () => {
    const res = await gw.admin('/api/v1/admin/keys/key_a%00b/revoke', { method: 'POST' })
    expect(res.status).toBe(404)
  })

  it('the gateway still answers after them all', async () => {
    expect((await gw.api('/api/v1/transactions')).status).toBe(200)
  })
})
