import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/core/logger.js'
import { createFetchHandler } from '../../src/gateway/fetch-handler.js'
import { checkResponse } from '../helpers/openapi-check.js'
import { pgServerUrl } from '../helpers/postgres.js'
import { deployTarget, type Target } from './targets.js'

const silent = createLogger({ json: true, silent: true })
const secrets = { MPG_SEAL_KEY: randomBytes(32).toString('base64'), MPG_ADMIN_TOKEN: `mpg_admin_${randomBytes(20).toString('hex')}` }

describe('createFetchHandler settings', () => {
  it('refuses, at creation, what a serverless deployment cannot work without, naming the setting', () => {
    const base = { ...secrets, DARAJA_BASE_URL: 'http://127.0.0.1:9', PUBLIC_SITE_URL: 'https://pay.example.com', DATABASE_URL: 'postgres://u:p@db.example.com/mpg' }
    const refusal = (env: Record<string, string | undefined>) => {
      try {
        createFetchHandler({ env: env as NodeJS.ProcessEnv, logger: silent })
      } catch (error) {
        return error as Error & { suggestion?: string }
      }
      throw new Error('expected a refusal')
    }
    expect(refusal({ ...base, DATABASE_URL: undefined }).message).toMatch(/needs DATABASE_URL/)
    expect(refusal({ ...base, PUBLIC_SITE_URL: undefined }).message).toMatch(/needs PUBLIC_SITE_URL/)
    expect(refusal({ ...base, DARAJA_BASE_URL: undefined }).message).toMatch(/needs DARAJA_BASE_URL/)
    expect(refusal({ ...base, MPG_SEAL_KEY: undefined }).message).toMatch(/MPG_SEAL_KEY is required/)
    expect(refusal({ ...base, DATABASE_URL: undefined }).suggestion).toMatch(/PostgreSQL/)
  })

  it('answers 503 with a hint, as documented, on every request while the database cannot be reached (/health in its own shape)', async () => {
    const handler = createFetchHandler({ env: { ...secrets, DARAJA_BASE_URL: 'http://127.0.0.1:9', PUBLIC_SITE_URL: 'https://pay.example.com', DATABASE_URL: 'postgres://u:p@127.0.0.1:1/mpg' }, logger: silent })
    for (let i = 0; i < 2; i++) {
      const res = await handler(new Request('https://pay.example.com/api/v1/account'))
      expect(res.status).toBe(503)
      await checkResponse('GET', '/api/v1/account', res.clone())
      expect(await res.json()).toEqual({ error: 'Gateway unavailable', hint: expect.stringContaining('DATABASE_URL'), detail: 'the store could not be opened' })
    }
    const health = await handler(new Request('https://pay.example.com/health'))
    await checkResponse('GET', '/health', health.clone())
    expect(await health.json()).toMatchObject({ status: 'unavailable', store: { kind: 'postgres', reachable: false }, error: 'Gateway unavailable' })
    await handler.close()
  })
})

describe.skipIf(pgServerUrl === null)('a fetch handler without MPG_CRON_SECRET', () => {
  let target: Target
  beforeAll(async () => {
    target = await deployTarget('fetch handler', { MPG_CRON_SECRET: '' })
  })
  afterAll(async () => {
    await target?.close()
  })

  it('answers the cron tick 503 naming MPG_CRON_SECRET, whatever the token', async () => {
    for (const auth of [null, 'some-token-that-is-long-enough']) {
      const res = await target.call('/api/v1/cron/tick', { method: 'POST', auth })
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ error: 'Cron tick not configured', hint: expect.stringContaining('MPG_CRON_SECRET'), detail: 'MPG_CRON_SECRET is not set' })
    }
  })

  it('serves no event stream (it cannot hold one open) and says what to use instead', async () => {
    const admin = target.env.MPG_ADMIN_TOKEN
    const { id } = (await (await target.call('/api/v1/admin/accounts', { method: 'POST', auth: admin, json: { name: 'Shop' } })).json()) as { id: string }
    const { key } = (await (await target.call('/api/v1/admin/keys', { method: 'POST', auth: admin, json: { account_id: id, mode: 'test' } })).json()) as { key: string }
    const res = await target.call('/api/v1/events/stream', { auth: key })
    expect(res.status).toBe(503)
    expect(await res.json()).toMatchObject({ error: 'Event stream unavailable', hint: expect.stringContaining('webhooks') })
  })

  it('GET /api/v1/cron/tick is documented too (Vercel cron jobs send GET)', async () => {
    const res = await target.call('/api/v1/cron/tick', { auth: 'some-token-that-is-long-enough' })
    expect(res.status).toBe(503)
    await expect(checkResponse('GET', '/api/v1/cron/tick', res.clone())).resolves.toBeUndefined()
  })
})
