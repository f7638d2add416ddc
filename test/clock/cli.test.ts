// `mpg emulator clock advance` through bin/run.js against real gateways: one in test mode
// (MPG_TEST_MODE=1, what `mpg serve` reads), one on the machine's clock, and a standalone emulator.
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { runCli } from '../helpers/run-cli.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { spawnServe } from '../helpers/serve-process.js'
import { tempDir } from '../helpers/temp-dir.js'

let gw: TestGateway | undefined
let emulator: RunningEmulator | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  await emulator?.close()
  gw = emulator = undefined
})

const statusOf = async (g: TestGateway, id: string) =>
  ((await (await g.api(`/api/v1/transactions/${id}`)).json()) as { transaction: { status: string } }).transaction.status

describe('mpg emulator clock advance', () => {
  it('moves a test-mode gateway and its emulator: a payment whose callback was lost is reconciled', async () => {
    gw = await startTestGateway({ env: { MPG_TEST_MODE: '1', MPG_RECONCILE_AFTER_S: '600' } })
    gw.emulator!.raceScenario('lost-callback', { phone: '254711000111' })
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254711000111' }) })
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    expect(await statusOf(gw, transaction_id)).toBe('pending')

    const r = await runCli(['emulator', 'clock', 'advance', '15m', '--json'], { env: { MPG_BASE_URL: gw.url } })
    expect(r.exitCode, r.stderr).toBe(0)
    const answer = JSON.parse(r.stdout) as { advanced_ms: number; emulator: string; ran: Record<string, number>; from: string; to: string }
    expect(answer).toMatchObject({ advanced_ms: 15 * 60_000, emulator: 'moved' })
    expect(Date.parse(answer.to) - Date.parse(answer.from)).toBeGreaterThanOrEqual(15 * 60_000)
    expect(answer.ran.reconcile).toBeGreaterThan(0)
    // Answered only once the work due on the way was done: the payment is settled now.
    expect(await statusOf(gw, transaction_id)).toBe('success')

    const human = await runCli(['emulator', 'clock', 'advance', '1d'], { env: { MPG_BASE_URL: gw.url } })
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^Moved the gateway and its emulator 1d ahead, to \d{4}-\d\d-\d\dT[\d:.]+Z\. Ran: .*reconcile ×\d+/)
  })

  it('`MPG_TEST_MODE=1 mpg serve` says so and takes `mpg emulator clock advance 24h`', async () => {
    const dataDir = tempDir('mpg-clock-serve-')
    const serve = await spawnServe(['--data-dir', dataDir], { MPG_TEST_MODE: '1' })
    try {
      expect(serve.ready).toMatchObject({ daraja_env: 'emulator', test_mode: true })
      const r = await runCli(['emulator', 'clock', 'advance', '24h'], { env: { MPG_BASE_URL: serve.ready.url } })
      expect(r.exitCode, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^Moved the gateway and its emulator 1d ahead, to .*\. Ran: housekeeping ×144, payouts ×\d+, reconcile ×\d+\.$/m)
    } finally {
      serve.child.kill('SIGTERM')
      await serve.exited
      removeDir(dataDir)
    }
  })

  it('bad durations are a sentence and a next step (exit 2), and nothing moves', async () => {
    gw = await startTestGateway({ env: { MPG_TEST_MODE: '1' } })
    const before = Date.now()
    for (const bad of ['2x', 'soon', '-5m', '1h30']) {
      const r = await runCli(['emulator', 'clock', 'advance', bad], { env: { MPG_BASE_URL: gw.url } })
      expect(r.exitCode).toBe(2)
      expect(r.stderr).toContain(`Error: "${bad}" is not a duration.`)
      expect(r.stderr).toMatch(/90s, 15m, 24h, 1d/)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
    // More than a month is refused by the gateway with its own hint.
    const far = await runCli(['emulator', 'clock', 'advance', '40d'], { env: { MPG_BASE_URL: gw.url } })
    expect(far.exitCode).toBe(2)
    expect(far.stderr).toMatch(/^Error: 40d is more than the 31d time may move at once. Advance in steps of at most 31d./)
    expect(gw.context.clock.now() - Date.now()).toBeLessThan(60_000 + (Date.now() - before))
  })

  it('a gateway on the machine’s clock says how to start it in test mode (exit 2); the API answers 404 {error, hint, detail}', async () => {
    gw = await startTestGateway()
    const r = await runCli(['emulator', 'clock', 'advance', '24h'], { env: { MPG_BASE_URL: gw.url } })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/is not in test mode, so its time cannot be moved\. .*MPG_TEST_MODE=1 mpg serve/)
    const res = await fetch(`${gw.url}/__emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"by":"24h"}' })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'Virtual clock is off', hint: expect.stringContaining('MPG_TEST_MODE=1'), detail: 'this gateway runs on the machine’s clock' })
  })

  it('the API of a test-mode gateway refuses bad bodies with 400 {error, hint, detail}', async () => {
    gw = await startTestGateway({ env: { MPG_TEST_MODE: '1' } })
    for (const body of ['{"by":"tomorrow"}', '{"by":-1}', '{}', '{"by":"1h","extra":1}', 'not json']) {
      const res = await fetch(`${gw.url}/__emulator/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      expect(res.status, body).toBe(400)
      const answer = (await res.json()) as Record<string, string>
      expect(Object.keys(answer).sort()).toEqual(['detail', 'error', 'hint'])
    }
  })

  it('--emulator-url moves only a standalone emulator (its existing clock API keeps working)', async () => {
    emulator = await startEmulator()
    const before = Date.parse(((await (await fetch(`${emulator.url}/__emulator/clock`)).json()) as { now: string }).now)
    const r = await runCli(['emulator', 'clock', 'advance', '90s', '--emulator-url', emulator.url])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Moved the emulator 1m30s ahead, to /)
    const old = await fetch(`${emulator.url}/__emulator/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance_ms":30000}' })
    expect(old.status).toBe(200)
    const after = Date.parse(((await old.json()) as { now: string }).now)
    expect(after - before).toBeGreaterThanOrEqual(120_000)
  })

  it('serve refuses MPG_TEST_MODE outside emulator mode', async () => {
    const r = await runCli(['serve', '--port', '0'], {
      env: { MPG_TEST_MODE: '1', DARAJA_ENV: 'sandbox', DARAJA_CONSUMER_KEY: 'k', DARAJA_CONSUMER_SECRET: 's', DARAJA_SHORTCODE: '174379', DARAJA_PASSKEY: 'p', PUBLIC_SITE_URL: 'https://example.com', MPG_DATA_DIR: '/nonexistent-mpg-test' },
    })
    expect(r.exitCode).toBe(3)
    expect(r.stderr).toMatch(/MPG_TEST_MODE/)
  })
})
