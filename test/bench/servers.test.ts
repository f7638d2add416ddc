import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

type Pair = {
  url: string
  key: string
  emulatorUrl?: string
  receiverUrl?: string
  dataDir: string
  processes: Record<string, number>
  stop(): Promise<void>
}
type ServersModule = {
  HELD_BACK_MS: number
  startGatewayPair(root: string, options: Record<string, unknown>): Promise<Pair>
}

const root = join(import.meta.dirname, '../..')
const benchLib = (file: string) => pathToFileURL(join(root, 'bench/lib', file)).href
const { startGatewayPair, HELD_BACK_MS } = (await import(benchLib('servers.js'))) as ServersModule
const { children, killChildren } = (await import(benchLib('procs.js'))) as { children: Set<unknown>; killChildren(): void }

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// The bench's emulator, gateway and receiver as its scripts start them (bench/lib/servers.js).
describe('the bench starts its servers one way (bench/lib/servers.js)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mpg-servers-test-'))
  afterAll(() => {
    // Whatever a failed test left running.
    killChildren()
    rmSync(work, { recursive: true, force: true })
  })

  it('starts an emulator, a gateway on it and a receiver with an endpoint, and stops all three', async () => {
    const pair = await startGatewayPair(root, { work, name: 'flow', callbackDelayMs: HELD_BACK_MS, webhooks: {} })
    try {
      expect(Object.keys(pair.processes)).toEqual(['gateway', 'emulator', 'receiver'])
      for (const pid of Object.values(pair.processes)) expect(alive(pid)).toBe(true)
      expect(pair.dataDir).toBe(join(work, 'flow-data'))
      // The gateway talks to that emulator: a push is accepted, and the endpoint is the receiver's.
      const auth = { authorization: `Bearer ${pair.key}`, 'content-type': 'application/json' }
      const push = await fetch(`${pair.url}/api/v1/stk-push`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': 'servers-test-1' },
        body: JSON.stringify({ amount: 100, phone: '254708374149', reference: 'ORDER-1', description: 'T-shirt' }),
      })
      expect(push.status).toBe(201)
      const endpoints = (await (await fetch(`${pair.url}/api/v1/webhooks`, { headers: auth })).json()) as unknown
      expect(JSON.stringify(endpoints)).toContain(`${pair.receiverUrl}/webhooks`)
      expect(existsSync(join(work, 'flow-gateway.log'))).toBe(true)
    } finally {
      await pair.stop()
    }
    for (const pid of Object.values(pair.processes)) expect(alive(pid)).toBe(false)
    expect(children.size).toBe(0)
  })

  it("removes a script's scratch directory and kills what it started when the script ends in an error", async () => {
    // A script that starts an emulator in its scratch directory, says where, and fails.
    const script = `
      import { scratchDir, startEmulator } from ${JSON.stringify(benchLib('servers.js'))}
      const dir = scratchDir('mpg-scratch-test-')
      const emulator = startEmulator(${JSON.stringify(root)})
      await emulator.ready
      process.stdout.write(JSON.stringify({ dir, pid: emulator.pid }) + '\\n')
      throw new Error('the script fails')
    `
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
    expect(run.status).not.toBe(0)
    const { dir, pid } = JSON.parse(run.stdout.trim()) as { dir: string; pid: number }
    expect(dir).toContain('mpg-scratch-test-')
    expect(existsSync(dir)).toBe(false)
    // Killed at its exit; gone once init has reaped it.
    await expect.poll(() => alive(pid), { timeout: 2000 }).toBe(false)
  })

  it('stops the emulator it started when the gateway never gets ready', async () => {
    // A setting the gateway refuses: it prints its error as its first line and exits.
    await expect(startGatewayPair(root, { work, name: 'refused', env: { MPG_RECONCILE_AFTER_S: 'soon' } })).rejects.toThrow(/refused gateway (exited|did not start)/)
    expect(children.size).toBe(0)
  })
})
