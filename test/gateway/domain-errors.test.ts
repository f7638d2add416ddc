import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DomainError } from '../../src/core/errors.js'
import { StorageError } from '../../src/store/errors.js'
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

  it("a failed durable write (the store's StorageError, passing through core) is a 503 with the store's hint, and nothing reaches Daraja", async () => {
    const store = gw.context.store
    const insert = store.insertTransaction.bind(store)
    store.insertTransaction = async () => {
      throw new StorageError('write_failed', 'Cannot append to the store journal: ENOSPC (no space left on device).', 'Free disk space and restart the gateway.')
    }
    const pushesBefore = gw.emulator!.requests().filter((r) => r.path.includes('stkpush')).length
    try {
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect(await res.json()).toEqual({
        error: 'Storage unavailable',
        hint: 'Free disk space and restart the gateway.',
        detail: 'Cannot append to the store journal: ENOSPC (no space left on device).',
      })
    } finally {
      store.insertTransaction = insert
    }
    expect(gw.emulator!.requests().filter((r) => r.path.includes('stkpush')).length).toBe(pushesBefore)
  })

  it('a conflict with a known retry time carries Retry-After', async () => {
    const store = gw.context.store
    const insert = store.insertTransaction.bind(store)
    store.insertTransaction = async () => {
      throw new DomainError('conflict', 'Busy', 'Retry.', '', 3)
    }
    try {
      // On STK push, whose 409 with Retry-After the API document lists (every answer is held to it).
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
      expect(res.status).toBe(409)
      expect(res.headers.get('retry-after')).toBe('3')
      expect(await res.json()).toEqual({ error: 'Busy', hint: 'Retry.', detail: '' })
    } finally {
      store.insertTransaction = insert
    }
  })
})
