import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, unwrap } from '../helpers/run-cli.js'
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js'
import { stkBody, waitFor } from '../helpers/gateway.js'
import { readStore } from '../helpers/store-file.js'
import { tempDir } from '../helpers/temp-dir.js'

const servers: ServeProcess[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.child.kill('SIGKILL')
})

describe('mpg serve', () => {
  it('needs no configuration: ready line, bootstrap key once, admin token 0600, clean SIGTERM', async () => {
    const dataDir = tempDir('mpg-serve-')
    const s = await spawnServe(['--data-dir', dataDir])
    servers.push(s)
    expect(s.ready).toMatchObject({ event: 'ready', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), daraja_env: 'emulator' })
    expect(s.ready.key).toMatch(/^mpg_test_/)
    expect(s.ready.account_id).toMatch(/^acct_/)
    expect(statSync(join(dataDir, 'admin-token')).mode & 0o777).toBe(0o600)

    const phone = '254712345678'
    const res = await fetch(`${s.ready.url}/api/v1/stk-push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.ready.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(stkBody({ phone })),
    })
    expect(res.status).toBe(201)
    await waitFor(() => s.lines.some((l) => l.event === 'request' && l.status === 201), { what: 'the access-log line' })
    s.child.kill('SIGTERM')
    expect(await s.exited).toBe(0)
    expect(s.lines.at(-1)).toEqual({ type: 'stopped', event: 'stopped' })

    // Access log: one structured line per request, no key and no full phone anywhere in the output.
    const output = JSON.stringify(s.lines.slice(1)) + s.stderr()
    expect(output).not.toContain(s.ready.key)
    expect(output).not.toContain(phone)
    const request = s.lines.find((l) => l.event === 'request' && l.path === '/api/v1/stk-push')
    expect(request).toMatchObject({ method: 'POST', status: 201, duration_ms: expect.any(Number) })
    expect(s.lines.filter((l) => l.event === 'request' && String(l.path).includes('/callbacks/daraja/stk/')).every((l) => String(l.path).endsWith('/***'))).toBe(true)

    // A second start on the same data dir keeps the data and shows no key.
    const again = await spawnServe(['--data-dir', dataDir], { MPG_RECONCILE_AFTER_S: '0.1' })
    servers.push(again)
    expect(again.lines[0].event).toBe('ready')
    expect(again.ready.key).toBeUndefined()
    const list = await fetch(`${again.ready.url}/api/v1/transactions`, { headers: { authorization: `Bearer ${s.ready.key}` } })
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1)
    again.child.kill('SIGINT')
    expect(await again.exited).toBe(130)
  })

  it('prints its ready line first, even when start-up has something to log', async () => {
    const dataDir = tempDir('mpg-serve-')
    writeFileSync(join(dataDir, 'gateway.json'), JSON.stringify({ version: 1, meta: { padding: 'x'.repeat(65 * 1024 * 1024) } }))
    const s = await spawnServe(['--data-dir', dataDir])
    servers.push(s)
    await waitFor(() => s.lines.some((l) => l.event === 'store.large'), { what: 'the store size warning' })
    expect(s.lines[0].event).toBe('ready')
  })

  it('refuses to start outside emulator mode without PUBLIC_SITE_URL, naming the variable', async () => {
    const r = await runCli(['serve', '--port', '0', '--data-dir', tempDir('mpg-serve-')], {
      env: { DARAJA_ENV: 'sandbox', DARAJA_CONSUMER_KEY: 'k', DARAJA_CONSUMER_SECRET: 's', DARAJA_SHORTCODE: '174379', DARAJA_PASSKEY: 'p', PUBLIC_SITE_URL: '' },
    })
    expect(r.exitCode).toBe(3)
    expect(unwrap(r.stderr)).toMatch(/PUBLIC_SITE_URL is required/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('rejects a bad setting with one line naming it', async () => {
    const bad = await runCli(['serve', '--port', '0', '--data-dir', tempDir('mpg-serve-')], { env: { PLATFORM_FEE_PERCENT: 'lots' } })
    expect(bad.exitCode).toBe(3)
    expect(unwrap(bad.stderr)).toMatch(/PLATFORM_FEE_PERCENT/)
    const env = await runCli(['serve', '--port', '0', '--data-dir', tempDir('mpg-serve-')], { env: { DARAJA_ENV: 'staging' } })
    expect(env.exitCode).toBe(3)
    expect(unwrap(env.stderr)).toMatch(/DARAJA_ENV must be emulator, sandbox or production/)
    const missing = await runCli(['serve', '--port', '0', '--data-dir', tempDir('mpg-serve-')], { env: { DARAJA_ENV: 'production' } })
    expect(missing.exitCode).toBe(3)
    expect(unwrap(missing.stderr)).toMatch(/DARAJA_CONSUMER_KEY is required/)
  })

  it('a busy port is a clear error, not a silent move to another port', async () => {
    const s = await spawnServe(['--data-dir', tempDir('mpg-serve-')])
    servers.push(s)
    const port = new URL(s.ready.url).port
    const r = await runCli(['serve', '--port', port, '--data-dir', tempDir('mpg-serve-')])
    // CONFLICT, as for `mpg emulator start` on a busy port.
    expect(r.exitCode).toBe(7)
    expect(unwrap(r.stderr)).toMatch(new RegExp(`Port ${port} .*already in use`))
  })

  it('the store file is valid JSON holding the transaction after a push', async () => {
    const dataDir = tempDir('mpg-serve-')
    const s = await spawnServe(['--data-dir', dataDir])
    servers.push(s)
    const res = await fetch(`${s.ready.url}/api/v1/stk-push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.ready.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(stkBody()),
    })
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    // Acknowledged means on disk: read the file right after the 201, before any shutdown.
    const doc = await readStore(dataDir)
    expect(doc.transactions.map((t) => t.id)).toContain(transaction_id)
    expect(JSON.stringify(doc)).not.toContain(s.ready.key)
  })
})
