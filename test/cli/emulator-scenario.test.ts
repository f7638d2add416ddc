import { afterEach, describe, expect, it } from 'vitest'
import { RACE_NAMES as EMULATOR_RACES } from '../../emulator/index.js'
import { RACE_NAMES as CLI_RACES } from '../../src/services/emulator-race.js'
import { runCli } from '../helpers/run-cli.js'
import { cliEnv, tempConfigDir } from './cli-env.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
})

describe('mpg emulator scenario', () => {
  it('knows the same race names as the emulator', () => {
    expect([...CLI_RACES]).toEqual([...EMULATOR_RACES])
  })

  it('arms a race on the emulator `mpg serve` runs (found through the gateway), and the next push plays it', async () => {
    gw = await startTestGateway()
    const r = await runCli(['emulator', 'scenario', 'late-success', '--phone', '254711222444', '--delay-ms', '60000', '--json'], { env: { MPG_BASE_URL: gw.url } })
    expect(r.exitCode, r.stderr).toBe(0)
    const armed = JSON.parse(r.stdout) as { name: string; phone: string; scenario: Record<string, unknown> }
    expect(armed).toMatchObject({ name: 'late-success', phone: '254711222444', scenario: { product: 'stk', phone: '254711222444', outcome: 'timeout', late_success_ms: 60_000 } })

    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254711222444' }) })
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    await waitFor(async () => ((await (await gw!.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string } }).transaction.status === 'failed')
    gw.emulator!.advanceClock(60_000)
    const t = await waitFor(async () => {
      const body = (await (await gw!.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string; late_success: unknown } }
      return body.transaction.late_success ? body.transaction : undefined
    })
    expect(t.status).toBe('failed')

    // `mpg transactions get` puts the money Daraja took after the failure in front of the operator.
    const shown = await runCli(['transactions', 'get', transaction_id], { env: cliEnv(gw, tempConfigDir()) })
    expect(shown.exitCode, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/^status +failed$/m)
    expect(shown.stdout).toMatch(/^late success +KES 100, receipt [A-Z0-9]{10}, .*: Daraja took the money after the payment failed; refund it or fulfil the order$/m)
  })

  it('prints a sentence for people, and refuses bad input with a next step', async () => {
    gw = await startTestGateway()
    const url = gw.emulator!.url
    const ok = await runCli(['emulator', 'scenario', 'lost-callback', '--phone', '254711222555', '--emulator-url', url])
    expect(ok.exitCode, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^Armed lost-callback for 254711222555 \(scn_\d+\): the payment succeeds but no callback is sent/)
    expect(gw.emulator!.requests()).toHaveLength(0)
    // The race outlives the next push; the command it prints removes it.
    const removal = /^It plays on every later STK push to 254711222555 until removed: curl -X DELETE (\S+)$/m.exec(ok.stdout)
    expect(removal, ok.stdout).not.toBeNull()
    expect((await fetch(`${url}/__emulator/scenarios`).then((r) => r.json())).scenarios).toHaveLength(1)
    expect((await fetch(removal![1], { method: 'DELETE' })).status).toBe(200)
    expect((await fetch(`${url}/__emulator/scenarios`).then((r) => r.json())).scenarios).toEqual([])

    const badPhone = await runCli(['emulator', 'scenario', 'lost-callback', '--phone', '0712', '--emulator-url', url])
    expect(badPhone.exitCode).toBe(2)
    expect(badPhone.stderr).toMatch(/phone: must be a 12-digit MSISDN/)

    const delayNotApplicable = await runCli(['emulator', 'scenario', 'duplicate-callback', '--phone', '254711222555', '--delay-ms', '5', '--emulator-url', url])
    expect(delayNotApplicable.exitCode).toBe(2)
    expect(delayNotApplicable.stderr).toMatch(/"delay_ms" applies to late-success and query-lags only/)

    const unknown = await runCli(['emulator', 'scenario', 'late-sucess', '--phone', '254711222555', '--emulator-url', url])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toMatch(/late-success/)

    const unreachable = await runCli(['emulator', 'scenario', 'lost-callback', '--phone', '254711222555', '--emulator-url', 'http://127.0.0.1:9'])
    expect(unreachable.exitCode).toBe(4)
    expect(unreachable.stderr).toMatch(/No emulator answers at http:\/\/127\.0\.0\.1:9/)
    expect(unreachable.stderr).not.toMatch(/at .*\.js:\d+/)
  })
})
