import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dashboardDir } from '../../src/gateway/dashboard-files.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(async () => {
  await gw.close()
  removeDir(gw.dataDir)
})

function expectSecurityHeaders(res: Response) {
  const csp = res.headers.get('content-security-policy') ?? ''
  expect(csp).toContain("default-src 'self'")
  expect(csp).toContain("script-src 'self'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).not.toContain('unsafe-inline')
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('referrer-policy')).toBe('no-referrer')
}

describe('GET /dashboard', () => {
  it('serves the page, uncached, with a strict CSP and no inline script', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await fetch(`${gw.url}${path}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expectSecurityHeaders(res)
      const html = await res.text()
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
      expect(scripts.length).toBeGreaterThan(0)
      for (const [, attrs, body] of scripts) {
        expect(attrs).toMatch(/src="\/dashboard\/assets\/[\w-]+-[\w-]{8,}\.js"/)
        expect(body.trim()).toBe('')
      }
      expect(html).not.toMatch(/\son[a-z]+=/i)
    }
  })

  it('serves every hashed asset the page names as cacheable, with its type', async () => {
    const html = await (await fetch(`${gw.url}/dashboard`)).text()
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1])
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true)
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true)
    for (const asset of assets) {
      const res = await fetch(`${gw.url}${asset}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/)
      expectSecurityHeaders(res)
    }
  })

  it('answers 404 in the API shape for unknown or escaping asset names', async () => {
    for (const path of ['/dashboard/assets/nope-12345678.js', '/dashboard/assets/..%2F..%2Fpackage.json', '/dashboard/assets/index.html', '/dashboard/../package.json']) {
      const res = await fetch(`${gw.url}${path}`)
      expect(res.status, path).toBe(404)
      const body = (await res.json()) as Record<string, string>
      expect(Object.keys(body).sort()).toEqual(['detail', 'error', 'hint'])
    }
  })

  it('ships at most 100 KB of gzipped JavaScript in total', () => {
    const dir = join(dashboardDir(), 'assets')
    const total = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f))).byteLength, 0)
    expect(total).toBeGreaterThan(1000)
    expect(total).toBeLessThanOrEqual(100 * 1024)
  })
})

describe('GET /api/v1/account', () => {
  it("names the key's account and mode", async () => {
    const res = await gw.api('/api/v1/account')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { account: { id: string; name: string }; mode: string; key: { prefix: string } }
    expect(body.account.id).toBe(gw.bootstrap?.account_id)
    expect(body.mode).toBe('test')
    expect(gw.key.startsWith(body.key.prefix.replace(/…$/, ''))).toBe(true)
    expect(JSON.stringify(body)).not.toContain(gw.key)
  })

  it('refuses a missing or unknown key with the API error', async () => {
    const res = await gw.api('/api/v1/account', { auth: `mpg_test_${'x'.repeat(32)}` })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: string }).error).toBe('Unauthorized')
  })
})

describe('GET /api/v1/transactions/:id/events', () => {
  it("lists a payment's events with their deliveries and attempts", async () => {
    const hooks = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: 'http://127.0.0.1:9/closed' } })
    expect(hooks.status).toBe(201)
    const push = (await (await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254708374149' }) })).json()) as { transaction_id: string }
    const other = (await (await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254708374149', reference: 'OTHER' }) })).json()) as {
      transaction_id: string
    }
    type Timeline = { data: Array<{ event: string; data: { transaction_id: string }; deliveries: Array<{ attempts: unknown[] }> }> }
    const body = await waitFor(
      async () => {
        const b = (await (await gw.api(`/api/v1/transactions/${push.transaction_id}/events`)).json()) as Timeline
        return b.data.length > 0 && b.data[0].deliveries[0]?.attempts.length ? b : undefined
      },
      { what: 'an event with a delivery attempt' },
    )
    expect(body.data.map((e) => e.event)).toContain('payment.success')
    expect(body.data.every((e) => e.data.transaction_id === push.transaction_id)).toBe(true)
    expect(other.transaction_id).not.toBe(push.transaction_id)
  })

  it('is 404 for an unknown transaction', async () => {
    const res = await gw.api('/api/v1/transactions/00000000-0000-0000-0000-000000000000/events')
    expect(res.status).toBe(404)
  })
})
