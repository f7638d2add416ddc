import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { testStore } from '../helpers/store-env.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(async () => {
  await gw.close()
})

async function expectError(res: Response, status: number, errorPattern?: RegExp) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/application\/json/)
  const body = (await res.json()) as Record<string, unknown>
  expect(Object.keys(body).sort()).toEqual(['detail', 'error', 'hint'])
  for (const v of Object.values(body)) expect(typeof v).toBe('string')
  expect(body.hint).not.toBe('')
  if (errorPattern) expect(body.error).toMatch(errorPattern)
  return body as { error: string; hint: string; detail: string }
}

async function transactionCount() {
  const body = (await (await gw.api('/api/v1/transactions?limit=100')).json()) as { data: unknown[] }
  return body.data.length
}

const push = (json: unknown, init: RequestInit & { auth?: string | null } = {}) => gw.api('/api/v1/stk-push', { method: 'POST', json, ...init })

describe('STK push validation (400 with a hint, nothing stored)', () => {
  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['decimal amount', stkBody({ amount: 10.5 }), /amount/],
    ['string amount', stkBody({ amount: '100' }), /amount/],
    ['zero amount', stkBody({ amount: 0 }), /amount/],
    ['negative amount', stkBody({ amount: -5 }), /amount/],
    ['amount over 150,000', stkBody({ amount: 150_001 }), /amount/],
    ['missing amount', { phone: '254712345678', reference: 'R', description: 'D' }, /amount/],
    ['landline phone', stkBody({ phone: '0201234567' }), /phone/],
    ['short phone', stkBody({ phone: '07123' }), /phone/],
    ['numeric phone', stkBody({ phone: 254712345678 }), /phone/],
    ['reference over 40', stkBody({ reference: 'x'.repeat(41) }), /reference/],
    ['blank reference', stkBody({ reference: '   ' }), /reference/],
    ['description over 60', stkBody({ description: 'y'.repeat(61) }), /description/],
    ['missing description', { amount: 100, phone: '254712345678', reference: 'R' }, /description/],
    ['control characters', stkBody({ description: 'a\u0000b' }), /description/],
  ]
  for (const [name, body, field] of bad) {
    it(name, async () => {
      const before = await transactionCount()
      const err = await expectError(await push(body), 400, /Validation failed/)
      expect(`${err.error} ${err.detail}`).toMatch(field)
      expect(await transactionCount()).toBe(before)
    })
  }

  it('accepts every documented phone form and stores it normalised', async () => {
    for (const phone of ['254712345678', '0712345678', '+254712345678', '0112345678', '254112345678']) {
      const res = await push(stkBody({ phone }))
      expect(res.status).toBe(201)
      const { transaction_id } = (await res.json()) as { transaction_id: string }
      const t = (await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()) as any
      expect(t.transaction.phone).toMatch(/^254[17]\d{8}$/)
    }
  })

  it('the full reference and description stay on the transaction while Daraja gets its 12/13 characters', async () => {
    const reference = 'INVOICE-2026-000123-ABCDEFGH'
    const description = 'A rather long description for the payment prompt'
    const res = await push(stkBody({ reference, description }))
    expect(res.status).toBe(201)
    const { transaction_id, checkout_request_id } = (await res.json()) as any
    const t = (await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()) as any
    expect(t.transaction.reference).toBe(reference)
    expect(t.transaction.description).toBe(description)
    const sent = gw.emulator!.requests().find((r) => r.endpoint === 'stk_push' && (r.response.body as any)?.CheckoutRequestID === checkout_request_id)
    const body = sent!.request.body as Record<string, unknown>
    expect(body.AccountReference).toBe(reference.slice(0, 12))
    expect(body.TransactionDesc).toBe(description.slice(0, 13))
    // Daraja's convention: the Timestamp is East Africa Time (UTC+3), not UTC or the machine's zone.
    const stamp = String(body.Timestamp)
    expect(stamp).toMatch(/^\d{14}$/)
    const asEat = Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(8, 10)}:${stamp.slice(10, 12)}:${stamp.slice(12, 14)}+03:00`)
    expect(Math.abs(asEat - Date.parse(sent!.at))).toBeLessThan(60_000)
  })
})

describe('transport errors', () => {
  it('malformed JSON → 400', async () => {
    await expectError(await gw.api('/api/v1/stk-push', { method: 'POST', body: '{"amount": 100,', headers: { 'content-type': 'application/json' } }), 400, /Malformed JSON/)
  })
  it('wrong content type → 415', async () => {
    await expectError(await gw.api('/api/v1/stk-push', { method: 'POST', body: 'amount=100', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415)
  })
  it('no content type → 415', async () => {
    await expectError(await gw.api('/api/v1/stk-push', { method: 'POST', body: JSON.stringify(stkBody()) }), 415)
  })
  it('oversize body → 413', async () => {
    await expectError(await push({ ...stkBody(), padding: 'x'.repeat(20_000) }), 413)
  })
  it('array instead of object → 400', async () => {
    await expectError(await push([stkBody()]), 400)
  })
  it('unknown path → 404 in the error shape', async () => {
    await expectError(await gw.api('/api/v1/nothing-here'), 404)
  })
})

/** Sends `parts` as a chunked body (no Content-Length), one write per part with a pause between. */
function sendChunked(path: string, parts: string[]): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(`${gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', 'idempotency-key': `chunked-${Math.random()}` } })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', (error) => resolve({ error: error.message }))
    const write = (i: number) => {
      if (i === parts.length) return req.end()
      req.write(parts[i], () => setTimeout(() => write(i + 1), 5))
    }
    write(0)
  })
}

describe('bodies read from the connection (chunked, no Content-Length)', () => {
  it('a body arriving in pieces is read whole', async () => {
    const text = JSON.stringify(stkBody())
    const res = await sendChunked('/api/v1/stk-push', [text.slice(0, 10), text.slice(10, 30), text.slice(30)])
    expect(res).toMatchObject({ status: 201 })
  })
  it('an oversize chunked body is refused (413 with the error shape) without reading it all, nothing stored', async () => {
    const before = await transactionCount()
    const text = JSON.stringify({ ...stkBody(), padding: 'x'.repeat(40_000) })
    const res = await sendChunked('/api/v1/stk-push', [text.slice(0, 8000), text.slice(8000, 16000), text.slice(16000, 24000), text.slice(24000)])
    expect(res).toMatchObject({ status: 413 })
    expect(JSON.parse((res as { body: string }).body)).toMatchObject({ error: 'Payload too large', hint: expect.any(String), detail: expect.any(String) })
    expect(await transactionCount()).toBe(before)
  })
})

/** Sends one whole chunked request in a single write (so the gateway has all of it before reading the body); answers the raw response text. */
function sendWholeChunked(path: string, body: string): Promise<string> {
  const url = new URL(gw.url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname)
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (c: string) => (text += c))
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
    const bytes = Buffer.byteLength(body)
    const head = [`POST ${path} HTTP/1.1`, `host: ${url.host}`, `authorization: Bearer ${gw.key}`, 'content-type: application/json', `idempotency-key: whole-${Math.random()}`, 'transfer-encoding: chunked', 'connection: close']
    socket.write(`${head.join('\r\n')}\r\n\r\n${bytes.toString(16)}\r\n${body}\r\n0\r\n\r\n`)
  })
}

describe('bodies the gateway has whole before reading them (one write, chunked)', () => {
  it('is read whole', async () => {
    const answer = await sendWholeChunked('/api/v1/stk-push', JSON.stringify(stkBody()))
    expect(answer).toMatch(/^HTTP\/1\.1 201 /)
  })
  it('over 16 KiB is refused (413 with the error shape), nothing stored', async () => {
    const before = await transactionCount()
    const answer = await sendWholeChunked('/api/v1/stk-push', JSON.stringify({ ...stkBody(), padding: 'x'.repeat(20_000) }))
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: 'Payload too large', hint: expect.any(String), detail: expect.any(String) })
    expect(await transactionCount()).toBe(before)
  })
})

describe('keys, accounts and modes', () => {
  it('missing key → 401', async () => {
    await expectError(await push(stkBody(), { auth: null }), 401)
  })
  it('unknown key → 401', async () => {
    await expectError(await push(stkBody(), { auth: 'mpg_test_00000000000000000000000000000000' }), 401)
  })
  it('malformed Authorization → 401', async () => {
    await expectError(await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), headers: { authorization: 'Token abc' } }), 401)
  })

  it('revoked key → 401', async () => {
    const created = (await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: gw.bootstrap!.account_id, mode: 'test' } })).json()) as any
    expect((await push(stkBody(), { auth: created.key })).status).toBe(201)
    expect((await gw.admin(`/api/v1/admin/keys/${created.id}/revoke`, { method: 'POST' })).status).toBe(200)
    const err = await expectError(await push(stkBody(), { auth: created.key }), 401)
    expect(err.detail).toMatch(/revoked/)
  })

  it('live key on a sandbox/emulator gateway → 400 mode mismatch', async () => {
    const created = (await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: gw.bootstrap!.account_id, mode: 'live' } })).json()) as any
    expect(created.key).toMatch(/^mpg_live_[0-9A-Za-z]{32}$/)
    await expectError(await push(stkBody(), { auth: created.key }), 400, /mode mismatch/)
  })

  it("another account's transaction → 404", async () => {
    const res = await push(stkBody())
    const { transaction_id } = (await res.json()) as any
    const account = (await (await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Other', payout_account: { type: 'till', till: '5123456' } } })).json()) as any
    const other = (await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as any
    await expectError(await gw.api(`/api/v1/transactions/${transaction_id}`, { auth: other.key }), 404)
    const list = (await (await gw.api('/api/v1/transactions', { auth: other.key })).json()) as any
    expect(list.data).toEqual([])
  })

  it('an account without a payout account → 400', async () => {
    const account = (await (await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'No payout' } })).json()) as any
    const key = (await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as any
    await expectError(await push(stkBody(), { auth: key.key }), 400, /payout account/)
  })

  it('admin API refuses an API key and a wrong token', async () => {
    await expectError(await gw.api('/api/v1/admin/accounts'), 401)
    await expectError(await gw.api('/api/v1/admin/accounts', { auth: 'nope' }), 401)
  })

  it('keys are listed by prefix, never in full, with when they were last used', async () => {
    expect((await gw.api('/api/v1/transactions')).status).toBe(200)
    const list = (await (await gw.admin('/api/v1/admin/keys')).json()) as any
    const bootstrap = list.data.find((k: { id: string }) => k.id === gw.bootstrap!.key_id)
    expect(Date.now() - Date.parse(bootstrap.last_used_at)).toBeLessThan(5 * 60_000)
    const text = JSON.stringify(list)
    expect(text).not.toContain(gw.key)
    expect(list.data[0].prefix).toMatch(/^mpg_test_.{4}…$/)
    expect(list.data[0]).not.toHaveProperty('hash')
  })
})

describe('listing transactions', () => {
  it('pages newest first with a cursor', async () => {
    const account = (await (await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Pager', payout_account: { type: 'mpesa', phone: '0712345678' } } })).json()) as any
    const key = ((await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as any).key
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const res = await push(stkBody({ reference: `P-${i}` }), { auth: key })
      ids.push(((await res.json()) as any).transaction_id)
    }
    const page1 = (await (await gw.api('/api/v1/transactions?limit=2', { auth: key })).json()) as any
    expect(page1.data.map((t: any) => t.id)).toEqual([ids[4], ids[3]])
    expect(page1.has_more).toBe(true)
    const page2 = (await (await gw.api(`/api/v1/transactions?limit=2&starting_after=${page1.next_cursor}`, { auth: key })).json()) as any
    expect(page2.data.map((t: any) => t.id)).toEqual([ids[2], ids[1]])
    const page3 = (await (await gw.api(`/api/v1/transactions?limit=2&starting_after=${page2.next_cursor}`, { auth: key })).json()) as any
    expect(page3.data.map((t: any) => t.id)).toEqual([ids[0]])
    expect(page3.has_more).toBe(false)
    expect(page3.next_cursor).toBeNull()
  })

  it('filters by exact reference, with status and the cursor, across every page', async () => {
    const account = (await (await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Finder', payout_account: { type: 'mpesa', phone: '0712345678' } } })).json()) as any
    const key = ((await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as any).key
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      // 254700000008 is held at the "phone", so the matches stay pending while the test filters.
      const res = await push(stkBody(i < 2 ? { reference: 'INV 2026/1', phone: '254700000008' } : { reference: `OTHER-${i}` }), { auth: key })
      ids.push(((await res.json()) as any).transaction_id)
    }
    const list = async (query: string) => (await (await gw.api(`/api/v1/transactions?${query}`, { auth: key })).json()) as any
    // The matches are older than a first page of 2, yet found.
    expect((await list('limit=2')).data.map((t: any) => t.id)).toEqual([ids[3], ids[2]])
    const ref = encodeURIComponent('INV 2026/1')
    const page1 = await list(`limit=1&reference=${ref}`)
    expect(page1.data.map((t: any) => [t.id, t.reference])).toEqual([[ids[1], 'INV 2026/1']])
    expect(page1.has_more).toBe(true)
    const page2 = await list(`limit=1&reference=${ref}&starting_after=${page1.next_cursor}`)
    expect(page2.data.map((t: any) => t.id)).toEqual([ids[0]])
    expect(page2.has_more).toBe(false)
    expect((await list(`reference=${ref}&status=pending`)).data.map((t: any) => t.id)).toEqual([ids[1], ids[0]])
    expect((await list(`reference=${ref}&status=success`)).data).toEqual([])
    expect((await list('reference=INV')).data).toEqual([])
  })

  it('rejects a bad reference filter', async () => {
    await expectError(await gw.api('/api/v1/transactions?reference='), 400)
    await expectError(await gw.api(`/api/v1/transactions?reference=${'x'.repeat(41)}`), 400)
    await expectError(await gw.api('/api/v1/transactions?reference=a%00b'), 400)
  })

  it('rejects a bad status or limit', async () => {
    await expectError(await gw.api('/api/v1/transactions?status=done'), 400)
    await expectError(await gw.api('/api/v1/transactions?limit=0'), 400)
    await expectError(await gw.api('/api/v1/transactions?limit=abc'), 400)
  })

  // Number() reads hex, exponents, signs and blanks; a list's limit is a plain count in decimal digits.
  it('takes a limit only in decimal digits, on every list', async () => {
    const endpoint = (await (await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: 'http://127.0.0.1:9/hooks' } })).json()) as { id: string }
    const lists: Array<[string, (q: string) => Promise<Response>]> = [
      ['transactions', (q) => gw.api(`/api/v1/transactions?limit=${q}`)],
      ['deliveries', (q) => gw.api(`/api/v1/webhooks/${endpoint.id}/deliveries?limit=${q}`)],
      ['admin payouts', (q) => gw.admin(`/api/v1/admin/payouts?status=pending&limit=${q}`)],
    ]
    for (const [name, list] of lists) {
      for (const q of ['0x10', '1e1', '%2010', '10%20', '%2B10', '10.0', '0b11', '', '-0']) {
        const body = await expectError(await list(q), 400)
        expect(body.error, `${name} ?limit=${q}`).toMatch(/limit/)
      }
      expect((await list('10')).status, `${name} ?limit=10`).toBe(200)
      expect((await list('010')).status, `${name} ?limit=010`).toBe(200)
    }
  })
})

describe('health', () => {
  it('answers without auth', async () => {
    const res = await fetch(`${gw.url}/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok', daraja_env: 'emulator', emulator_url: gw.emulator!.url, store: { kind: testStore, reachable: true } })
  })
})
