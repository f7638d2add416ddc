import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CALLBACK_PREFIXES, callbackUrl, maskCallbackToken, QUEUE_TIMEOUT_SUFFIX, RECONCILE_STATUS_SUFFIX, TRANSACTION_STATUS_SUFFIX, type CallbackKind } from '../../src/utils/callback-paths.js'
import { routes } from '../../src/gateway/routes/index.js'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'

const KINDS = Object.keys(CALLBACK_PREFIXES) as CallbackKind[]

/** The URLs handed to Daraja, the routes that answer them and the log masker agree (one table). */
describe('callback paths', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway()
  })
  afterAll(async () => {
    await gw.close()
    removeDir(gw.dataDir)
  })

  it('every callback route is one the table builds, and every URL built reaches its route', async () => {
    const callbackRoutes = routes.filter((r) => r.path.includes('/callbacks/')).map((r) => r.path).sort()
    expect(callbackRoutes).toEqual([...KINDS.map((k) => `${CALLBACK_PREFIXES[k]}/:token`), `${CALLBACK_PREFIXES.b2c}/:token${QUEUE_TIMEOUT_SUFFIX}`, `${CALLBACK_PREFIXES.b2c}/:token${TRANSACTION_STATUS_SUFFIX}`, `${CALLBACK_PREFIXES.b2c}/:token${RECONCILE_STATUS_SUFFIX}`].sort())
    for (const kind of KINDS) {
      // The route answers (its own validation of the body), not the router's 404 "Not found".
      const res = await fetch(callbackUrl(gw.url, kind, 'tok_unknown'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      expect(res.status, kind).toBe(400)
      expect(((await res.json()) as { error: string }).error, kind).toMatch(/^Validation failed/)
    }
    const timeout = await fetch(`${callbackUrl(gw.url, 'b2c', 'tok_unknown')}${QUEUE_TIMEOUT_SUFFIX}`, { method: 'POST', body: '{}' })
    expect(timeout.status).toBe(200)
    const status = await fetch(`${callbackUrl(gw.url, 'b2c', 'tok_unknown')}${TRANSACTION_STATUS_SUFFIX}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(status.status).toBe(400)
    const reconcile = await fetch(`${callbackUrl(gw.url, 'b2c', 'tok_unknown')}${RECONCILE_STATUS_SUFFIX}?run=r1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(reconcile.status).toBe(400)
  })

  it('the access log never shows a token of a URL the table builds', async () => {
    for (const kind of KINDS) {
      const token = `secret${kind}TOKEN`
      await fetch(callbackUrl(gw.url, kind, token), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      const path = new URL(callbackUrl(gw.url, kind, token)).pathname
      expect(maskCallbackToken(path)).toBe(`${CALLBACK_PREFIXES[kind]}/***`)
      expect(maskCallbackToken(`${path}${QUEUE_TIMEOUT_SUFFIX}`)).toBe(`${CALLBACK_PREFIXES[kind]}/***${QUEUE_TIMEOUT_SUFFIX}`)
      expect(maskCallbackToken(`${path}${TRANSACTION_STATUS_SUFFIX}`)).toBe(`${CALLBACK_PREFIXES[kind]}/***${TRANSACTION_STATUS_SUFFIX}`)
      expect(maskCallbackToken(`${path}${RECONCILE_STATUS_SUFFIX}?run=r1`)).toBe(`${CALLBACK_PREFIXES[kind]}/***${RECONCILE_STATUS_SUFFIX}?run=r1`)
    }
    const logged = gw.logs.filter((l) => l.event === 'request').map((l) => String(l.path))
    expect(logged.some((p) => p.includes('/***'))).toBe(true)
    expect(logged.join('\n')).not.toMatch(/secret(stk|b2c)TOKEN|tok_unknown/)
  })
})
