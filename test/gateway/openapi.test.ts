import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { checkResponse, document, seen } from '../helpers/openapi-check.js'
import { addEndpoint, createAccountWithKey } from '../webhooks/helpers.js'

type Json = Record<string, unknown>

/** Every documented operation with the answers this file drives it to (the rest are covered by the suite at large). */
const MUST_SEE = [
  'GET /health 200',
  'GET /openapi.json 200',
  'POST /api/v1/stk-push 201',
  'POST /api/v1/stk-push 200',
  'POST /api/v1/stk-push 400',
  'POST /api/v1/stk-push 401',
  'POST /api/v1/stk-push 422',
  'POST /api/v1/stk-push 413',
  'POST /api/v1/stk-push 415',
  'GET /api/v1/transactions 200',
  'GET /api/v1/transactions 400',
  'GET /api/v1/transactions/{id} 200',
  'GET /api/v1/transactions/{id} 404',
  'GET /api/v1/transactions/{id}/events 200',
  'GET /api/v1/transactions/{id}/events 404',
  'GET /api/v1/account 200',
  'POST /api/v1/webhooks 201',
  'POST /api/v1/webhooks 400',
  'GET /api/v1/webhooks 200',
  'GET /api/v1/webhooks/{id}/deliveries 200',
  'GET /api/v1/webhooks/{id}/deliveries 404',
  'POST /api/v1/webhook-deliveries/{id}/resend 202',
  'POST /api/v1/webhook-deliveries/{id}/resend 404',
  'POST /api/v1/webhooks/{id}/enable 200',
  'DELETE /api/v1/webhooks/{id} 200',
  'DELETE /api/v1/webhooks/{id} 404',
  'POST /api/v1/webhook-deliveries/{id}/resend 409',
  'GET /api/v1/events/stream 200',
  'GET /api/v1/events/stream 400',
  'POST /api/v1/admin/accounts 201',
  'POST /api/v1/admin/accounts 400',
  'GET /api/v1/admin/accounts 200',
  'POST /api/v1/admin/keys 201',
  'POST /api/v1/admin/keys 404',
  'GET /api/v1/admin/keys 200',
  'POST /api/v1/admin/keys/{id}/revoke 200',
  'POST /api/v1/admin/keys/{id}/revoke 404',
  'GET /api/v1/admin/payouts 200',
  'GET /api/v1/admin/payouts 400',
  'GET /api/v1/admin/payouts 401',
  'POST /api/v1/admin/payouts/{transactionId}/settle 200',
  'POST /api/v1/admin/payouts/{transactionId}/settle 404',
]

describe('OpenAPI document', () => {
  let gw: TestGateway
  let limited: TestGateway
  let receiver: CallbackReceiver

  beforeAll(async () => {
    gw = await startTestGateway()
    limited = await startTestGateway({ env: { MPG_RATE_LIMIT_API_PER_S: '0.01', MPG_RATE_LIMIT_API_BURST: '2' } })
    receiver = await startCallbackReceiver()
  })
  afterAll(async () => {
    await receiver?.close()
    for (const g of [gw, limited]) {
      await g?.close()
      if (g) removeDir(g.dataDir)
    }
  })

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document))
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(document.openapi).toBe('3.1.0')
  })

  it('is served at GET /openapi.json without auth, and written into the package by the build', async () => {
    const res = await gw.api('/openapi.json', { auth: null })
    expect(res.status).toBe(200)
    const served = (await res.json()) as Json
    expect(served).toEqual(JSON.parse(JSON.stringify(document)))
    const built = join(import.meta.dirname, '..', '..', 'dist', 'openapi.json')
    expect(existsSync(built), 'run `npm run build` first').toBe(true)
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(served)
  })

  it('documents every route of the merchant and admin API, the headers, the webhooks and the stream', () => {
    const paths = document.paths as Record<string, Record<string, Json>>
    const stream = paths['/api/v1/events/stream'].get.responses as Record<string, { content: Json }>
    expect(Object.keys(stream['200'].content)).toEqual(['text/event-stream'])
    const push = paths['/api/v1/stk-push'].post
    expect((push.parameters as Json[]).map((p) => p.name)).toContain('Idempotency-Key')
    expect(Object.keys((push.responses as Record<string, Json>)['200'].headers as Json)).toEqual(['Idempotent-Replayed', 'RateLimit-Policy', 'RateLimit'])
    const webhooks = document.webhooks as Record<string, { post: { parameters: Json[] } }>
    expect(Object.keys(webhooks)).toEqual(['payment.success', 'payment.failed', 'payout.success', 'payout.failed', 'payout.pending_manual', 'webhook_endpoint.disabled'])
    expect(webhooks['payment.success'].post.parameters.map((p) => p.name)).toEqual(['X-Mpesa-Gateway-Signature', 'X-Mpesa-Gateway-Event', 'webhook-id', 'webhook-timestamp', 'webhook-signature'])
    for (const [path, methods] of Object.entries(paths)) {
      for (const op of Object.values(methods)) {
        for (const [status, answer] of Object.entries(op.responses as Record<string, Json>)) {
          if (Number(status) >= 400 && path !== '/health') expect(JSON.stringify(answer.content), `${path} ${status}`).toContain('#/components/schemas/Error')
        }
      }
    }
  })

  it('the check fails a response the document does not describe', async () => {
    const error = JSON.stringify({ error: 'Not found', hint: 'h', detail: '' })
    const jsonHeaders = { 'content-type': 'application/json' }
    await expect(checkResponse('GET', '/api/v1/transactions/t1', new Response(error, { status: 418, headers: jsonHeaders }))).rejects.toThrow(/418 is not documented/)
    await expect(checkResponse('GET', '/api/v1/transactions/t1', new Response('{"error":"x"}', { status: 404, headers: jsonHeaders }))).rejects.toThrow(/does not match/)
    await expect(checkResponse('GET', '/api/v1/account', new Response('{"account":{}}', { status: 200, headers: jsonHeaders }))).rejects.toThrow(/does not match/)
    await expect(checkResponse('GET', '/api/v1/transactions/t1', new Response(error, { status: 404, headers: { ...jsonHeaders, 'idempotent-replayed': 'true' } }))).rejects.toThrow(/header idempotent-replayed/)
    await expect(checkResponse('GET', '/api/v1/transactions/t1', new Response(error, { status: 404, headers: { 'content-type': 'text/plain' } }))).rejects.toThrow(/text\/plain/)
  })

  it('every operation answers as documented (the helpers check each response against the document)', async () => {
    // Gateway and rate limits.
    expect((await gw.api('/health', { auth: null })).status).toBe(200)
    expect((await limited.api('/api/v1/account')).status).toBe(200)
    expect((await limited.api('/api/v1/account')).status).toBe(200)
    const tooMany = await limited.api('/api/v1/account')
    expect(tooMany.status).toBe(429)
    expect(tooMany.headers.get('retry-after')).toMatch(/^\d+$/)

    // Payments (the endpoint first, so the payment's event is delivered to it).
    const endpoint = await addEndpoint(gw, `${receiver.url}/hooks`)
    const push = (init: { json?: unknown; body?: string; headers?: Record<string, string>; auth?: string | null }) => gw.api('/api/v1/stk-push', { method: 'POST', ...init })
    const created = await push({ json: stkBody(), headers: { 'idempotency-key': 'openapi-1' } })
    expect(created.status).toBe(201)
    const { transaction_id: id } = (await created.json()) as { transaction_id: string }
    const replay = await push({ json: stkBody(), headers: { 'idempotency-key': 'openapi-1' } })
    expect(replay.status).toBe(200)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect((await push({ json: stkBody({ amount: 5 }), headers: { 'idempotency-key': 'openapi-1' } })).status).toBe(422)
    expect((await push({ json: stkBody({ amount: -1 }) })).status).toBe(400)
    expect((await push({ json: stkBody(), auth: null })).status).toBe(401)
    expect((await push({ body: 'amount=1', headers: { 'content-type': 'text/plain' } })).status).toBe(415)
    expect((await push({ body: JSON.stringify({ pad: 'x'.repeat(20_000) }), headers: { 'content-type': 'application/json' } })).status).toBe(413)

    expect((await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: 'ftp://nope' } })).status).toBe(400)
    await waitFor(async () => ((await (await gw.api(`/api/v1/transactions/${id}`)).json()) as { transaction: { status: string } }).transaction.status !== 'pending', { what: 'the payment to finish' })
    await receiver.waitFor(1)
    expect((await gw.api('/api/v1/transactions?limit=5')).status).toBe(200)
    expect((await gw.api('/api/v1/transactions?limit=0')).status).toBe(400)
    expect((await gw.api('/api/v1/transactions/txn_missing')).status).toBe(404)
    const events = await gw.api(`/api/v1/transactions/${id}/events`)
    expect(events.status).toBe(200)
    expect(((await events.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0)
    expect((await gw.api('/api/v1/transactions/txn_missing/events')).status).toBe(404)
    expect((await gw.api('/api/v1/account')).status).toBe(200)

    // Webhooks.
    expect((await gw.api('/api/v1/webhooks')).status).toBe(200)
    const deliveries = await gw.api(`/api/v1/webhooks/${endpoint.id}/deliveries`)
    expect(deliveries.status).toBe(200)
    const delivery = await waitFor(async () => {
      const { data } = (await (await gw.api(`/api/v1/webhooks/${endpoint.id}/deliveries`)).json()) as { data: Array<{ id: string; status: string }> }
      return data.find((d) => d.status === 'succeeded')
    }, { what: 'a delivered webhook' })
    expect((await gw.api('/api/v1/webhooks/we_missing/deliveries')).status).toBe(404)
    expect((await gw.api(`/api/v1/webhook-deliveries/${delivery.id}/resend`, { method: 'POST' })).status).toBe(202)
    expect((await gw.api('/api/v1/webhook-deliveries/wd_missing/resend', { method: 'POST' })).status).toBe(404)
    expect((await gw.api(`/api/v1/webhooks/${endpoint.id}/enable`, { method: 'POST' })).status).toBe(200)
    expect((await gw.api(`/api/v1/webhooks/${endpoint.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await gw.api('/api/v1/webhooks/we_missing', { method: 'DELETE' })).status).toBe(404)
    await waitFor(async () => {
      const res = await gw.api(`/api/v1/webhook-deliveries/${delivery.id}/resend`, { method: 'POST' })
      return res.status === 409
    }, { what: 'resend of a removed endpoint refused' })

    // The event stream: headers only (the body stays open), and a bad resume point.
    const controller = new AbortController()
    const stream = await gw.api('/api/v1/events/stream', { signal: controller.signal })
    expect(stream.status).toBe(200)
    controller.abort()
    expect((await gw.api('/api/v1/events/stream', { headers: { 'last-event-id': 'evt_unknown' } })).status).toBe(400)

    // Admin.
    expect((await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: '' } })).status).toBe(400)
    const manual = await createAccountWithKey(gw, 'Till shop', { type: 'till', till: '123456' })
    expect((await gw.admin('/api/v1/admin/accounts')).status).toBe(200)
    expect((await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: 'acct_missing', mode: 'test' } })).status).toBe(404)
    const keys = await gw.admin('/api/v1/admin/keys')
    expect(keys.status).toBe(200)
    const spare = (await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: manual.accountId, mode: 'test', name: 'spare' } })).json()) as { id: string }
    expect((await gw.admin(`/api/v1/admin/keys/${spare.id}/revoke`, { method: 'POST' })).status).toBe(200)
    expect((await gw.admin('/api/v1/admin/keys/key_missing/revoke', { method: 'POST' })).status).toBe(404)
    const paid = (await (await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), auth: manual.key })).json()) as { transaction_id: string }
    await waitFor(async () => {
      const { data } = (await (await gw.admin('/api/v1/admin/payouts?status=pending_manual')).json()) as { data: Array<{ id: string }> }
      return data.some((t) => t.id === paid.transaction_id)
    }, { what: 'a payout waiting for a person' })
    expect((await gw.admin('/api/v1/admin/payouts?status=nope')).status).toBe(400)
    expect((await gw.api('/api/v1/admin/payouts?status=pending_manual')).status).toBe(401)
    expect((await gw.admin(`/api/v1/admin/payouts/${paid.transaction_id}/settle`, { method: 'POST', json: { mpesa_receipt: 'UJT1234567' } })).status).toBe(200)
    expect((await gw.admin('/api/v1/admin/payouts/txn_missing/settle', { method: 'POST' })).status).toBe(404)

    expect(MUST_SEE.filter((answer) => !seen.has(answer))).toEqual([])
    expect(seen.has('GET /api/v1/account 429')).toBe(true)
  })

  it('GET /docs renders the reference from the same document, offline, with strict headers', async () => {
    const res = await gw.api('/docs', { auth: null })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    const html = await res.text()
    for (const path of Object.keys(document.paths as Json)) expect(html).toContain(`<code>${path}</code>`)
    for (const event of Object.keys(document.webhooks as Json)) expect(html).toContain(`<code>${event}</code>`)
    expect(html).toContain('Idempotency-Key')
    expect(html).toContain('X-Mpesa-Gateway-Signature')
    // Nothing is fetched from elsewhere and nothing runs.
    expect(html).not.toMatch(/<script|<link|src="http|href="http/i)
    // The inline style is exactly the one the CSP hash allows.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? ''
    const { createHash } = await import('node:crypto')
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`)
  })
})
