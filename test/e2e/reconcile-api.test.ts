import { afterEach, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
})

/** The admin API behind `mpg reconcile`; every answer is held to the OpenAPI document by the helpers. */
describe('POST /api/v1/admin/reconcile', () => {
  it('answers the report with or without a body, and refuses bad input with {error, hint, detail}', async () => {
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '3600' } })
    const empty = await gw.admin('/api/v1/admin/reconcile', { method: 'POST' })
    expect(empty.status).toBe(200)
    expect(await empty.json()).toMatchObject({ fix: false, force: false, checked: { payments: 0, payouts: 0 }, truncated: false, disagreements: [], unresolved: 0 })

    const withBody = await gw.admin('/api/v1/admin/reconcile', { method: 'POST', json: { since: '2h', fix: true } })
    expect(withBody.status).toBe(200)
    const report = (await withBody.json()) as { since: string; until: string; fix: boolean }
    expect(report.fix).toBe(true)
    expect(Date.parse(report.until) - Date.parse(report.since)).toBe(2 * 3600 * 1000)

    for (const [json, message] of [
      [{ since: 'yesterday' }, /since is a duration such as 30m, 24h or 7d/],
      [{ since: '32d' }, /at most 31d/],
      [{ force: true }, /force applies with fix only/],
      [{ fix: 'yes' }, /fix/],
      [{ dry_run: true }, /dry_run/],
    ] as const) {
      const res = await gw.admin('/api/v1/admin/reconcile', { method: 'POST', json })
      expect(res.status, JSON.stringify(json)).toBe(400)
      const body = (await res.json()) as { error: string; hint: string; detail: string }
      expect(body.hint).toMatch(/since/)
      expect(`${body.error} ${body.detail}`).toMatch(message)
    }

    const noToken = await fetch(`${gw.url}/api/v1/admin/reconcile`, { method: 'POST' })
    expect(noToken.status).toBe(401)
    const merchantKey = await gw.api('/api/v1/admin/reconcile', { method: 'POST' })
    expect(merchantKey.status).toBe(401)
  })
})
