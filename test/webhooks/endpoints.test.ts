import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { testStore } from '../helpers/store-env.js'
import { storedText } from '../helpers/stored-text.js'
import { addEndpoint, createAccountWithKey } from './helpers.js'

let gw: TestGateway | undefined

afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
})

describe('webhook endpoints API (test mode)', () => {
  it('creates an endpoint with a whsec_ secret shown once, lists it without the secret, deletes it', async () => {
    gw = await startTestGateway()
    const created = await addEndpoint(gw, 'http://localhost:4000/hooks', { events: ['payment.success', 'payout.failed', 'payment.success'] })
    expect(created.id).toMatch(/^we_/)
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(created.events).toEqual(['payment.success', 'payout.failed'])
    expect(created.mode).toBe('test')

    const list = await gw.api('/api/v1/webhooks')
    expect(list.status).toBe(200)
    const { data } = (await list.json()) as { data: Array<Record<string, unknown>> }
    expect(data).toHaveLength(1)
    expect(data[0].id).toBe(created.id)
    expect(data[0]).not.toHaveProperty('secret')
    expect(JSON.stringify(data)).not.toContain(created.secret)

    const removed = await gw.api(`/api/v1/webhooks/${created.id}`, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    expect(((await removed.json()) as { deleted_at: string | null }).deleted_at).not.toBeNull()
    expect(((await (await gw.api('/api/v1/webhooks')).json()) as { data: unknown[] }).data).toEqual([])
    expect((await gw.api(`/api/v1/webhooks/${created.id}`, { method: 'DELETE' })).status).toBe(404)
  })

  it('keeps the secret sealed: not in the store, nor in the logs; a generated seal key is 0600', async () => {
    gw = await startTestGateway()
    const created = await addEndpoint(gw, 'http://127.0.0.1:4000/hooks')
    await gw.close()
    const storeText = await storedText(gw.dataDir)
    const secretBody = created.secret.slice('whsec_'.length)
    expect(storeText).toContain(created.id)
    expect(storeText).not.toContain(secretBody)
    expect(storeText).not.toContain(Buffer.from(secretBody, 'base64').toString('hex'))
    expect(JSON.stringify(gw.logs)).not.toContain(secretBody)
    // On PostgreSQL the key is MPG_SEAL_KEY (shared by every instance), never a file.
    if (testStore === 'lowdb') expect(statSync(join(gw.dataDir, 'seal-key')).mode & 0o777).toBe(0o600)
  })

  it('allows any http(s) URL in test mode, localhost included; refuses other schemes and credentials', async () => {
    gw = await startTestGateway()
    for (const url of ['http://localhost:3000/x', 'http://127.0.0.1:9/x', 'http://[::1]:8080/', 'https://example.com/hook']) {
      await addEndpoint(gw, url)
    }
    for (const url of ['ftp://example.com/x', 'not a url', 'http://alice:s3cret@example.com/x']) {
      const res = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url } })
      expect(res.status, url).toBe(400)
      const body = (await res.json()) as { error: string; hint: string }
      expect(body.hint.length).toBeGreaterThan(10)
      expect(JSON.stringify(body)).not.toContain('s3cret')
    }
  })

  it('validates the body at the edge: unknown event 400, wrong content type 415, no key 401', async () => {
    gw = await startTestGateway()
    const bad = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: 'http://localhost/x', events: ['payment.refunded'] } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toMatch(/events/)
    const text = await gw.api('/api/v1/webhooks', { method: 'POST', body: 'url=http://localhost', headers: { 'content-type': 'text/plain' } })
    expect(text.status).toBe(415)
    expect((await gw.api('/api/v1/webhooks', { auth: null })).status).toBe(401)
    expect((await gw.api('/api/v1/webhooks/we_x/deliveries', { auth: null })).status).toBe(401)
    expect((await gw.api('/api/v1/webhook-deliveries/del_x/resend', { method: 'POST', auth: null })).status).toBe(401)
    expect((await gw.api('/api/v1/events/stream', { auth: null })).status).toBe(401)
  })

  it("scopes endpoints to the key's account: another account sees none and gets 404 on them", async () => {
    gw = await startTestGateway()
    const mine = await addEndpoint(gw, 'http://localhost:3000/x')
    const other = await createAccountWithKey(gw, 'Other', { type: 'mpesa', phone: '254712345678' })
    const list = (await (await gw.api('/api/v1/webhooks', { auth: other.key })).json()) as { data: unknown[] }
    expect(list.data).toEqual([])
    expect((await gw.api(`/api/v1/webhooks/${mine.id}`, { method: 'DELETE', auth: other.key })).status).toBe(404)
    expect((await gw.api(`/api/v1/webhooks/${mine.id}/deliveries`, { auth: other.key })).status).toBe(404)
    expect((await gw.api(`/api/v1/webhooks/${mine.id}/deliveries`)).status).toBe(200)
  })
})

describe('webhook endpoints API (live mode)', () => {
  it('refuses http and loopback/private targets with a hint; accepts a public https address', async () => {
    gw = await startTestGateway({
      env: {
        DARAJA_ENV: 'production',
        DARAJA_CONSUMER_KEY: 'ck',
        DARAJA_CONSUMER_SECRET: 'cs',
        DARAJA_SHORTCODE: '174379',
        DARAJA_PASSKEY: 'pk',
        DARAJA_BASE_URL: 'http://127.0.0.1:9',
      },
    })
    expect(gw.key).toMatch(/^mpg_live_/)
    for (const url of ['http://example.com/x', 'https://localhost/x', 'https://127.0.0.1/x', 'https://10.1.2.3/x', 'https://[::1]/x', 'https://192.168.1.10/x', 'https://169.254.169.254/latest']) {
      const res = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url } })
      expect(res.status, url).toBe(400)
      const body = (await res.json()) as { error: string; hint: string }
      expect(body.hint, url).toMatch(/https|test mode/)
    }
    const ok = await addEndpoint(gw, 'https://93.184.215.14/hooks')
    expect(ok.mode).toBe('live')
  })
})
