import { afterEach, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
})

/** The callback URL's last segment is the token that lets anyone settle the payment. */
const TOKEN_IN_URL = /\/callbacks\/daraja\/stk\/(?!\*\*\*)[^\s"/]+/

describe('mpg emulator resolve', () => {
  it('prints the callback URL with its token masked, as text and as JSON', async () => {
    gw = await startTestGateway()
    const held = async () => {
      const res = await gw!.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000008' }) })
      return ((await res.json()) as { checkout_request_id: string }).checkout_request_id
    }
    const text = await runCli(['emulator', 'resolve', await held(), '--result-code', '0'], { env: { MPG_BASE_URL: gw.url } })
    expect(text.exitCode, text.stderr).toBe(0)
    expect(text.stdout).toContain('/callbacks/daraja/stk/***')
    expect(text.stdout + text.stderr).not.toMatch(TOKEN_IN_URL)

    const json = await runCli(['emulator', 'resolve', await held(), '--result-code', '1032', '--json'], { env: { MPG_BASE_URL: gw.url } })
    expect(json.exitCode, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout).callback_url).toMatch(/\/callbacks\/daraja\/stk\/\*\*\*$/)
    expect(json.stdout + json.stderr).not.toMatch(TOKEN_IN_URL)
  })
})
