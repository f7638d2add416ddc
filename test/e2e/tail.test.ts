import { afterEach, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { cliEnv, spawnCli, tempConfigDir, type SpawnedCli } from '../cli/cli-env.js'

let cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

async function gatewayFor(options: Parameters<typeof startTestGateway>[0] = {}): Promise<TestGateway> {
  const gateway = await startTestGateway(options)
  cleanups.push(() => gateway.close())
  return gateway
}

function tail(args: string[], env: NodeJS.ProcessEnv): SpawnedCli {
  const run = spawnCli(['tail', ...args], env)
  cleanups.push(() => run.child.kill('SIGKILL'))
  return run
}

async function push(gateway: TestGateway, phone: string, key = gateway.key): Promise<string> {
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }), auth: key })
  expect(res.status).toBe(201)
  return ((await res.json()) as { transaction_id: string }).transaction_id
}

describe('mpg tail (spawned bin/run.js, CI set, no stdin)', () => {
  it('--json prints one event body per line, each parsing as JSON, and Ctrl-C ends it with exit 0', async () => {
    const gateway = await gatewayFor()
    const configDir = tempConfigDir()
    cleanups.push(() => removeDir(configDir))
    const run = tail(['--json'], cliEnv(gateway, configDir))
    await run.connected()
    const paid = await push(gateway, '254708374149')
    const cancelled = await push(gateway, '254700000001')
    // payment.success + payout.success for the paid one, payment.failed for the other.
    await run.waitForLines(3, () => true)
    const events = run.lines.map((line) => JSON.parse(line) as { id: string; event: string; data: { transaction_id: string; mpesa_receipt?: string } })
    for (const e of events) expect(e.id).toMatch(/^evt_/)
    const byKey = new Map(events.map((e) => [`${e.event} ${e.data.transaction_id}`, e]))
    expect([...byKey.keys()].sort()).toEqual([`payment.failed ${cancelled}`, `payment.success ${paid}`, `payout.success ${paid}`].sort())
    const stored = (await (await gateway.api(`/api/v1/transactions/${paid}`)).json()) as { transaction: { mpesa_receipt_number: string } }
    expect(byKey.get(`payment.success ${paid}`)!.data.mpesa_receipt).toBe(stored.transaction.mpesa_receipt_number)

    run.child.kill('SIGINT')
    expect(await run.exited).toEqual({ code: 130, signal: null })
  })

  it('prints one line per event for people (masked phone, outcome) and filters with --events', async () => {
    const gateway = await gatewayFor()
    const configDir = tempConfigDir()
    cleanups.push(() => removeDir(configDir))
    const run = tail(['--events', 'payment.failed'], cliEnv(gateway, configDir))
    await run.connected()
    const paid = await push(gateway, '254708374149')
    // The paid one's payment.success and payout.success are stored (and streamed) before the failed one.
    await waitFor(async () => {
      const t = (await (await gateway.api(`/api/v1/transactions/${paid}`)).json()) as { transaction: { payout: { status: string } | null } }
      return t.transaction.payout?.status === 'success'
    }, { what: 'the paid push to be paid out' })
    const failed = await push(gateway, '254700000002')
    const [line] = await run.waitForLines(1, (l) => l.includes(failed))
    expect(line).toMatch(/payment\.failed/)
    expect(line).toContain('KES 100')
    expect(line).toContain('254700***002')
    expect(line).toContain('failed 1037')
    expect(line).not.toContain('254700000002')
    run.child.kill('SIGINT')
    expect((await run.exited).code).toBe(130)
    // Only the failed payment went through the filter (the success and payout streamed before it did not).
    expect(run.lines.filter((l) => l.trim() !== '')).toHaveLength(1)
  })

  it('reconnects with Last-Event-ID when the gateway restarts, and keeps printing', async () => {
    const first = await startTestGateway()
    const configDir = tempConfigDir()
    cleanups.push(() => removeDir(configDir))
    const key = first.key
    const env = cliEnv(first, configDir)
    const run = tail(['--json'], env)
    await run.connected()
    const before = await push(first, '254700000001')
    await run.waitForLines(1, (l) => l.includes(before))
    await first.close()

    const second = await gatewayFor({ dataDir: first.dataDir, env: { PORT: String(first.port) } })
    await run.connected(2)
    expect(run.stderr()).toMatch(/Stream dropped/)
    expect(run.stderr()).toMatch(/Reconnected; resumed after evt_/)
    const after = await push(second, '254700000001', key)
    await run.waitForLines(1, (l) => l.includes(after))
    const ids = run.lines.map((l) => (JSON.parse(l) as { id: string }).id)
    expect(new Set(ids).size).toBe(ids.length)
    run.child.kill('SIGINT')
    expect((await run.exited).code).toBe(130)
    removeDir(first.dataDir)
  })

  it('exits 4 with a next step when no gateway answers, and 5 when the key is refused', async () => {
    const gateway = await gatewayFor()
    const configDir = tempConfigDir()
    cleanups.push(() => removeDir(configDir))
    const refused = tail([], cliEnv(gateway, configDir, { MPG_API_KEY: 'mpg_test_notarealkeynotarealkeynotareal1' }))
    expect((await refused.exited).code).toBe(5)
    const port = gateway.port
    await gateway.close()
    const down = tail([], cliEnv({ url: `http://127.0.0.1:${port}`, key: gateway.key }, configDir))
    expect((await down.exited).code).toBe(4)
    expect(down.stderr()).toContain('mpg serve')
  })
})
