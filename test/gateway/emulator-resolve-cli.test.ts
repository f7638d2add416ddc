import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
})

describe('mpg emulator resolve with the gateway’s own emulator', () => {
  it('finds the emulator `mpg serve` runs (random port) through the gateway, and the held payment settles', async () => {
    gw = await startTestGateway()
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000008' }) })
    const { transaction_id, checkout_request_id } = (await res.json()) as { transaction_id: string; checkout_request_id: string }
    const r = await runCli(['emulator', 'resolve', checkout_request_id, '--result-code', '0', '--json'], { env: { MPG_BASE_URL: gw.url } })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ checkout_request_id, result_code: 0, status: 'completed' })
    const t = await waitFor(async () => {
      const body = (await (await gw!.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string } }
      return body.transaction.status === 'success' ? body.transaction : undefined
    })
    expect(t.status).toBe('success')
  })
})
