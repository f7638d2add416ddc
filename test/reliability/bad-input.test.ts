import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { storeFingerprint } from '../helpers/store-file.js'
import { rawRequest, type RawResponse } from './http.js'

/**
 * The bad-input battery: every endpoint gets malformed, truncated and wrongly typed bodies, huge
 * numbers, NaN/Infinity, 1 MiB bodies, control characters, duplicate keys, and missing or doubled
 * headers. Each answer must be a 4xx `{error, hint, detail}` (three strings), the gateway must stay
 * healthy, and nothing a rejected request carried may reach the store.
 */

type Auth = 'key' | 'admin' | 'none'
interface Target {
  name: string
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  auth: Auth
  /** A body that would be accepted by the schema (mutations of it are what gets sent). */
  valid?: Record<string, unknown>
  /** Fields that may be left out. */
  optional?: string[]
}

/** Marker put into bad values: answers must never echo it back. */
const ECHO = 'ZQXECHOZQX'
/** Raw JSON number literals JSON.parse turns into Infinity, -Infinity and an unsafe integer. */
const RAW_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '-0', '1e-400']
/** Wrong for any field (keys are never echo-checked: naming an unknown key back is allowed). */
const BAD_VALUES: unknown[] = [[], [ECHO], {}, { zz: ECHO }, true, 'x'.repeat(5000) + ECHO]
/** Wrong for a numeric field only. */
const BAD_NUMBER_STRINGS = ['NaN', 'Infinity', '-Infinity', '1e400', '100', `${ECHO}`]
const MALFORMED = ['{', '{"amount":', '[1,2', '{"a":1,}', "{'amount':100}", 'nul', 'undefined', 'NaN', '{"a":NaN}', '{"a":Infinity}', '\u0000', '\ufeff{}', '{"a":"\\u12"}', `{"${ECHO}`, '']

let gw: TestGateway
let stkToken = ''
let checkoutId = ''
let heldTxId = ''
let b2cToken = ''
let accountId = ''

const authHeader = (auth: Auth): Array<[string, string]> =>
  auth === 'key' ? [['authorization', `Bearer ${gw.key}`]] : auth === 'admin' ? [['authorization', `Bearer ${gw.adminToken}`]] : []

function send(target: Target, body: string | Buffer | undefined, headers: Array<[string, string]> = [['content-type', 'application/json']], path = target.path) {
  return rawRequest(gw.url, { method: target.method, path, headers: [...authHeader(target.auth), ...headers], body })
}

function expectClientError(res: RawResponse, what: string) {
  const where = `${what} → ${res.status} ${res.text.slice(0, 300)}`
  expect(res.status, where).toBeGreaterThanOrEqual(400)
  expect(res.status, where).toBeLessThan(500)
  expect(String(res.headers['content-type']), where).toMatch(/^application\/json/)
  const body = JSON.parse(res.text) as Record<string, unknown>
  expect(typeof body.error, where).toBe('string')
  expect(typeof body.hint, where).toBe('string')
  expect(typeof body.detail, where).toBe('string')
  expect((body.error as string).length, where).toBeGreaterThan(0)
  expect((body.hint as string).length, where).toBeGreaterThan(0)
  expect(res.text, `${where}: echoes the input`).not.toContain(ECHO)
}

function storeDigest(): string {
  return storeFingerprint(gw.dataDir)
}

async function transactionList(): Promise<unknown> {
  const res = await gw.api('/api/v1/transactions?limit=100')
  expect(res.status).toBe(200)
  return res.json()
}

/** Runs `battery` and checks that the store file and the transaction list did not change. */
async function expectStoreUnchanged(battery: () => Promise<void>) {
  const before = storeDigest()
  const listBefore = await transactionList()
  await battery()
  // A write, had one been triggered, would be on disk by now (acknowledged writes flush before answering).
  expect(storeDigest()).toBe(before)
  expect(await transactionList()).toEqual(listBefore)
  const health = await fetch(`${gw.url}/health`)
  expect(health.status).toBe(200)
}

/** Every way a JSON body can be wrong, built from a valid one. */
function badBodies(valid: Record<string, unknown>, optional: string[] = []): Array<[string, string | Buffer]> {
  const text = JSON.stringify(valid)
  const out: Array<[string, string | Buffer]> = MALFORMED.map((m) => [`malformed ${JSON.stringify(m).slice(0, 30)}`, m])
  for (const cut of [1, Math.floor(text.length / 2), text.length - 1]) out.push([`truncated at ${cut}`, text.slice(0, cut)])
  for (const whole of ['[]', `[${text}]`, '1', '"x"', 'true', 'null', '{}', `{"zz":"${ECHO}"}`]) out.push([`body ${whole.slice(0, 20)}`, whole])
  out.push(['invalid UTF-8', Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0xfe, 0x22, 0x7d])])])
  const paths = leafPaths(valid)
  for (const path of paths) {
    if (!optional.includes(path.join('.'))) out.push([`missing ${path.join('.')}`, JSON.stringify(setAt(valid, path, undefined))])
    if (typeof getAt(valid, path) === 'number') for (const bad of BAD_NUMBER_STRINGS) out.push([`${path.join('.')} = "${bad}"`, JSON.stringify(setAt(valid, path, bad))])
    for (const bad of BAD_VALUES.filter((b) => !(Array.isArray(getAt(valid, path)) && Array.isArray(b) && b.length === 0))) out.push([`${path.join('.')} = ${JSON.stringify(bad).slice(0, 20)}`, JSON.stringify(setAt(valid, path, bad))])
    for (const raw of RAW_NUMBERS) {
      const marker = '"__RAW__"'
      out.push([`${path.join('.')} = ${raw}`, JSON.stringify(setAt(valid, path, '__RAW__')).replace(marker, raw)])
    }
    // Duplicate keys: JSON.parse keeps the last one, so a bad last value must be rejected.
    if (path.length === 1) out.push([`duplicate ${path[0]}`, `${text.slice(0, -1)},${JSON.stringify(path[0])}:[${JSON.stringify(ECHO)}]}`])
  }
  return out
}

function leafPaths(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  const out: string[][] = []
  for (const [k, v] of Object.entries(value)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push([...prefix, k], ...leafPaths(v as Record<string, unknown>, [...prefix, k]))
    else out.push([...prefix, k])
  }
  return out
}

function getAt(value: Record<string, unknown>, path: string[]): unknown {
  return path.reduce<unknown>((cursor, key) => (cursor as Record<string, unknown>)[key], value)
}

function setAt(value: Record<string, unknown>, path: string[], next: unknown): Record<string, unknown> {
  const copy = structuredClone(value)
  let cursor: Record<string, unknown> = copy
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string, unknown>
  if (next === undefined) delete cursor[path[path.length - 1]]
  else cursor[path[path.length - 1]] = next
  return copy
}

const oneMiB = (valid: Record<string, unknown>) => JSON.stringify({ ...valid, padding: 'x'.repeat(1024 * 1024) })

function stkCallback(overrides: Record<string, unknown> = {}) {
  return {
    Body: {
      stkCallback: {
        MerchantRequestID: '29115-34620561-1',
        CheckoutRequestID: 'ws_CO_000000000000000000000000',
        ResultCode: 0,
        ResultDesc: 'The service request is processed successfully.',
        CallbackMetadata: {
          Item: [
            { Name: 'Amount', Value: 100 },
            { Name: 'MpesaReceiptNumber', Value: 'UJ2AB3CD4E' },
            { Name: 'TransactionDate', Value: 20261002101530 },
            { Name: 'PhoneNumber', Value: 254708374149 },
          ],
        },
        ...overrides,
      },
    },
  }
}

const b2cResult = {
  Result: {
    ResultType: 0,
    ResultCode: 0,
    ResultDesc: 'The service request is processed successfully.',
    OriginatorConversationID: 'nope-0000',
    ConversationID: 'AG_20260101_00000000000000000000',
    TransactionID: 'UA1AB3CD4E',
  },
}

beforeAll(async () => {
  gw = await startTestGateway()
  accountId = (gw.bootstrap?.account_id as string | undefined) ?? ''
  // A payment left pending (held prompt), whose real callback URL the battery attacks.
  const held = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000008' }) })
  expect(held.status).toBe(201)
  const heldBody = (await held.json()) as { transaction_id: string; checkout_request_id: string }
  heldTxId = heldBody.transaction_id
  checkoutId = heldBody.checkout_request_id
  const push = gw.emulator!.requests().find((r) => r.endpoint === 'stk_push' && (r.request.body as { PhoneNumber?: unknown }).PhoneNumber === '254700000008')
  stkToken = new URL((push!.request.body as { CallBackURL: string }).CallBackURL).pathname.split('/').pop()!
  // A paid one, so that a real B2C result URL exists too; wait until its payout is final.
  const paid = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254708374149', reference: 'PAID-1' }) })
  const paidId = ((await paid.json()) as { transaction_id: string }).transaction_id
  await waitFor(
    async () => {
      const t = (await (await gw.api(`/api/v1/transactions/${paidId}`)).json()) as { transaction: { payout: { status: string } | null } }
      return t.transaction.payout && t.transaction.payout.status !== 'pending'
    },
    { what: 'payout settled', timeoutMs: 10_000 },
  )
  const b2c = gw.emulator!.requests().find((r) => r.endpoint === 'b2c_v1' || r.endpoint === 'b2c_v3')
  b2cToken = new URL((b2c!.request.body as { ResultURL: string }).ResultURL).pathname.split('/').pop()!
  await gw.emulator!.settle()
})

afterAll(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
})

describe('bad input against every JSON endpoint', () => {
  const targets = (): Target[] => [
    { name: 'stk-push', method: 'POST', path: '/api/v1/stk-push', auth: 'key', valid: stkBody() },
    { name: 'admin accounts', method: 'POST', path: '/api/v1/admin/accounts', auth: 'admin', valid: { name: 'Shop', payout_account: { type: 'mpesa', phone: '254708374149' } }, optional: ['payout_account'] },
    { name: 'admin keys', method: 'POST', path: '/api/v1/admin/keys', auth: 'admin', valid: { account_id: accountId, mode: 'test' } },
    { name: 'webhooks', method: 'POST', path: '/api/v1/webhooks', auth: 'key', valid: { url: 'http://127.0.0.1:9/hook', events: ['payment.success'] }, optional: ['events'] },
    // The real token of a held payment, with a CheckoutRequestID that is not its own: every variant must be refused.
    { name: 'stk callback', method: 'POST', path: `/api/v1/callbacks/daraja/stk/${stkToken}`, auth: 'none', valid: stkCallback() },
    { name: 'stk callback, unknown token', method: 'POST', path: '/api/v1/callbacks/daraja/stk/not-a-token', auth: 'none', valid: stkCallback() },
    { name: 'b2c callback', method: 'POST', path: `/api/v1/callbacks/daraja/b2c/${b2cToken}`, auth: 'none', valid: b2cResult },
    { name: 'b2c callback, unknown token', method: 'POST', path: '/api/v1/callbacks/daraja/b2c/not-a-token', auth: 'none', valid: b2cResult },
  ]

  for (const name of ['stk-push', 'admin accounts', 'admin keys', 'webhooks', 'stk callback', 'stk callback, unknown token', 'b2c callback', 'b2c callback, unknown token']) {
    it(`${name}: every bad body is a 4xx {error, hint, detail} and changes nothing`, async () => {
      const target = targets().find((t) => t.name === name)!
      await expectStoreUnchanged(async () => {
        for (const [what, body] of badBodies(target.valid!, target.optional)) expectClientError(await send(target, body), `${name}: ${what}`)
        const huge = await send(target, oneMiB(target.valid!))
        expectClientError(huge, `${name}: 1 MiB body`)
        expect(huge.status).toBe(413)
        for (const contentType of [[], [['content-type', 'text/plain']], [['content-type', 'application/x-www-form-urlencoded']]] as Array<Array<[string, string]>>) {
          const res = await send(target, JSON.stringify(target.valid), contentType)
          expectClientError(res, `${name}: content-type ${JSON.stringify(contentType)}`)
          expect(res.status).toBe(415)
        }
      })
    })
  }

  it('stk-push: control characters, blank and overlong text are refused', async () => {
    const target = targets()[0]
    await expectStoreUnchanged(async () => {
      for (const field of ['reference', 'description']) {
        for (const value of [`A\u0000${ECHO}`, `A\u001b[31m${ECHO}`, `A\u007f${ECHO}`, `A\n${ECHO}`, '   ', '\t', 'R'.repeat(61)]) {
          expectClientError(await send(target, JSON.stringify({ ...stkBody(), [field]: value })), `${field} = ${JSON.stringify(value)}`)
        }
      }
      for (const amount of [0, -1, 1.5, 150_001, '100', 'NaN', 'Infinity', null, 1e21]) {
        expectClientError(await send(target, JSON.stringify({ ...stkBody(), amount })), `amount ${String(amount)}`)
      }
      for (const phone of ['', '+', '254', '2547083741490', '0712345678 ext 1', '٠٧١٢٣٤٥٦٧٨', 254708374149, '+254 0712345678']) {
        expectClientError(await send(target, JSON.stringify({ ...stkBody(), phone })), `phone ${String(phone)}`)
      }
    })
  })

  it('stk-push: missing, wrong and doubled auth and Idempotency-Key headers are 4xx', async () => {
    const target: Target = { name: 'stk-push', method: 'POST', path: '/api/v1/stk-push', auth: 'none' }
    const body = JSON.stringify(stkBody())
    const json: [string, string] = ['content-type', 'application/json']
    const cases: Array<[string, Array<[string, string]>]> = [
      ['no authorization', [json]],
      ['empty bearer', [json, ['authorization', 'Bearer ']]],
      ['basic auth', [json, ['authorization', `Basic ${Buffer.from('a:b').toString('base64')}`]]],
      ['unknown key', [json, ['authorization', `Bearer mpg_test_${'A'.repeat(32)}`]]],
      ['overlong key', [json, ['authorization', `Bearer mpg_test_${'A'.repeat(6000)}`]]],
      ['key with unicode', [json, ['authorization', `Bearer mpg_test_\u00e9${ECHO}`]]],
      ['admin token as API key', [json, ['authorization', `Bearer ${gw.adminToken}`]]],
      ['doubled authorization (valid + invalid)', [json, ['authorization', `Bearer ${gw.key}`], ['authorization', 'Bearer mpg_test_nope']]],
      ['doubled idempotency-key', [json, ['authorization', `Bearer ${gw.key}`], ['idempotency-key', 'a'], ['idempotency-key', 'b']]],
      ['empty idempotency-key', [json, ['authorization', `Bearer ${gw.key}`], ['idempotency-key', '']]],
      ['idempotency-key with spaces', [json, ['authorization', `Bearer ${gw.key}`], ['idempotency-key', 'a b']]],
      ['overlong idempotency-key', [json, ['authorization', `Bearer ${gw.key}`], ['idempotency-key', 'k'.repeat(256)]]],
      ['doubled content-type (json + text)', [['authorization', `Bearer ${gw.key}`], ['content-type', 'text/plain'], json]],
    ]
    await expectStoreUnchanged(async () => {
      for (const [what, headers] of cases) {
        const res = await send(target, body, headers)
        expectClientError(res, what)
      }
    })
  })

  it('stk callback: hostile bodies on the real URL leave the payment pending', async () => {
    const target: Target = { name: 'stk callback', method: 'POST', path: `/api/v1/callbacks/daraja/stk/${stkToken}`, auth: 'none' }
    const item = (items: unknown) => stkCallback({ CheckoutRequestID: checkoutId, CallbackMetadata: { Item: items } })
    const bodies: Array<[string, unknown]> = [
      ['amount differs', item([{ Name: 'Amount', Value: 1 }, { Name: 'MpesaReceiptNumber', Value: 'UJ2AB3CD4E' }])],
      ['amount NaN string', item([{ Name: 'Amount', Value: 'NaN' }, { Name: 'MpesaReceiptNumber', Value: 'UJ2AB3CD4E' }])],
      ['amount as huge number', item([{ Name: 'Amount', Value: 1e300 }, { Name: 'MpesaReceiptNumber', Value: 'UJ2AB3CD4E' }])],
      ['no receipt', item([{ Name: 'Amount', Value: 100 }])],
      ['receipt wrong shape', item([{ Name: 'Amount', Value: 100 }, { Name: 'MpesaReceiptNumber', Value: `x${ECHO}` }])],
      ['no metadata at all', stkCallback({ CheckoutRequestID: checkoutId, CallbackMetadata: undefined })],
      ['metadata items not an array', item({ Name: 'Amount', Value: 100 })],
    ]
    await expectStoreUnchanged(async () => {
      for (const [what, body] of bodies) expectClientError(await send(target, JSON.stringify(body)), what)
    })
    const t = (await (await gw.api(`/api/v1/transactions/${heldTxId}`)).json()) as { transaction: { status: string } }
    expect(t.transaction.status).toBe('pending')
  })
})

describe('bad input against paths and query strings', () => {
  it('transactions: bad ids and query strings are 4xx and change nothing', async () => {
    const list: Target = { name: 'list', method: 'GET', path: '/api/v1/transactions', auth: 'key' }
    const queries = [
      '?limit=0', '?limit=-1', '?limit=101', '?limit=1e400', '?limit=NaN', '?limit=Infinity', '?limit=abc', '?limit=1.5',
      '?limit=99999999999999999999999', '?status=done', `?status=${ECHO}`, '?status=', `?starting_after=${'x'.repeat(200)}`,
      '?zzz=1', '?limit=%00', '?limit[]=1', '?status=%E2%80%AE',
    ]
    await expectStoreUnchanged(async () => {
      for (const q of queries) expectClientError(await send(list, undefined, [], `/api/v1/transactions${q}`), `GET ${q}`)
      const ids = ['nope', 'x'.repeat(101), '%00', '..%2F..%2Fadmin', '%F0%9F%92%B8', encodeURIComponent('\u202e'), `${heldTxId}%00`, heldTxId.toUpperCase()]
      for (const id of ids) {
        const res = await send(list, undefined, [], `/api/v1/transactions/${id}`)
        expectClientError(res, `GET /transactions/${id}`)
      }
    })
  })

  it('admin and webhook paths: bad ids, missing and wrong tokens are 4xx and change nothing', async () => {
    const admin = (method: Target['method'], path: string): Target => ({ name: path, method, path, auth: 'admin' })
    const key = (method: Target['method'], path: string): Target => ({ name: path, method, path, auth: 'key' })
    await expectStoreUnchanged(async () => {
      for (const id of ['nope', 'x'.repeat(500), '%00', '%F0%9F%92%B8']) {
        expectClientError(await send(admin('POST', `/api/v1/admin/keys/${id}/revoke`), undefined, []), `revoke ${id}`)
        expectClientError(await send(admin('POST', `/api/v1/admin/payouts/${id}/settle`), undefined, []), `settle ${id}`)
        expectClientError(await send(key('DELETE', `/api/v1/webhooks/${id}`), undefined, []), `delete webhook ${id}`)
        expectClientError(await send(key('GET', `/api/v1/webhooks/${id}/deliveries`), undefined, []), `deliveries ${id}`)
        expectClientError(await send(key('POST', `/api/v1/webhook-deliveries/${id}/resend`), undefined, []), `resend ${id}`)
      }
      // Settling a payment that was paid out by B2C (not a manual payout) is refused.
      for (const [method, path] of [
        ['GET', '/api/v1/admin/accounts'],
        ['POST', '/api/v1/admin/accounts'],
        ['GET', '/api/v1/admin/keys'],
        ['POST', '/api/v1/admin/keys'],
        ['POST', '/api/v1/admin/keys/x/revoke'],
        ['POST', `/api/v1/admin/payouts/${heldTxId}/settle`],
      ] as Array<[Target['method'], string]>) {
        for (const auth of [[], [['authorization', `Bearer ${gw.key}`]], [['authorization', 'Bearer wrong-admin-token-000000']], [['authorization', gw.adminToken]]] as Array<Array<[string, string]>>) {
          const res = await rawRequest(gw.url, { method, path, headers: [...auth, ['content-type', 'application/json']], body: method === 'POST' ? '{}' : undefined })
          expectClientError(res, `${method} ${path} with ${JSON.stringify(auth).slice(0, 40)}`)
          expect([401, 403]).toContain(res.status)
        }
      }
      for (const [method, path] of [['GET', '/api/v1/webhooks'], ['POST', '/api/v1/webhooks'], ['GET', '/api/v1/events/stream'], ['GET', '/api/v1/transactions']] as Array<[Target['method'], string]>) {
        const res = await rawRequest(gw.url, { method, path, headers: [['content-type', 'application/json']], body: method === 'POST' ? '{}' : undefined })
        expectClientError(res, `${method} ${path} without a key`)
        expect(res.status).toBe(401)
      }
      const settleHeld = await send(admin('POST', `/api/v1/admin/payouts/${heldTxId}/settle`), undefined, [])
      expectClientError(settleHeld, 'settle a pending payment')
      for (const [method, path] of [['PUT', '/api/v1/stk-push'], ['DELETE', '/api/v1/transactions'], ['PATCH', '/health'], ['GET', '/api/v1/nope'], ['GET', '/api/v1/zzz'], ['GET', '/%']] as Array<[string, string]>) {
        expectClientError(await rawRequest(gw.url, { method, path }), `${method} ${path}`)
      }
    })
  })

  it('b2c queue-timeout notices: junk is acknowledged or refused, never a 5xx, and changes nothing', async () => {
    const target: Target = { name: 'timeout', method: 'POST', path: `/api/v1/callbacks/daraja/b2c/${b2cToken}/timeout`, auth: 'none' }
    await expectStoreUnchanged(async () => {
      for (const [what, body] of [...badBodies(b2cResult), ['1 MiB', oneMiB(b2cResult)] as [string, string]]) {
        const res = await send(target, body)
        expect(res.status, what).toBeLessThan(500)
        if (res.status >= 400) expectClientError(res, what)
      }
    })
  })
})

describe('what is valid stays valid', () => {
  it('unicode in reference and description is stored exactly as sent', async () => {
    const reference = 'Ñandú-💸-注文'
    const description = 'Zahlung für Kaffee ☕ — שלום'
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000008', reference, description }) })
    expect(res.status).toBe(201)
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    const t = (await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { reference: string; description: string } }
    expect(t.transaction.reference).toBe(reference)
    expect(t.transaction.description).toBe(description)
  })
})
