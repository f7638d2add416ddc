import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'

/** Core throws kinds, never statuses; the routes' runner answers them as `{error, hint, detail}`. */
describe('domain errors at the HTTP edge', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway()
  })
  afterAll(async () => {
    await gw.close()
    removeDir(gw.dataDir)
  })

  it('a failed durable write (kind storage) is a 503 with a hint, and nothing reaches Daraja', async () => {
    const store = gw.context.store
    const insert = store.insertTransaction.bind(store)
    store.insertTransaction = async () => {
      throw new DomainError('storage', 'Storage unavailable', 'Retry in a moment; nothing was charged.', 'disk full')
    }
    const pushesBefore = gw.emulator!.requests().filter((r) => r.path.includes('stkpush')).length
    try {
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({ error: 'Storage unavailable', hint: 'Retry in a moment; nothing was charged.', detail: 'disk full' })
    } finally {
      store.insertTransaction = insert
    }
    expect(gw.emulator!.requests().filter((r) => r.path.includes('stkpush')).length).toBe(pushesBefore)
  })

  it('a conflict with a known retry time carries Retry-After', async () => {
    const store = gw.context.store
    const get = store.getTransaction.bind(store)
    store.getTransaction = async () => {
      throw new DomainError('conflict', 'Busy', 'Retry.', '', 3)
    }
    try {
      // Plain fetch: the injected conflict is one this endpoint never gives, so the API document
      // (which api() holds every answer to) rightly does not list it.
      const res = await fetch(`${gw.url}/api/v1/transactions/abc`, { headers: { authorization: `Bearer ${gw.key}` } })
      expect(res.status).toBe(409)
      expect(res.headers.get('retry-after')).toBe('3')
      expect(await res.json()).toEqual({ error: 'Busy', hint: 'Retry.', detail: '' })
    } finally {
      store.getTransaction = get
    }
  })
})
