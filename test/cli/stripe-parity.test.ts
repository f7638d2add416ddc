import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TestGateway } from '../helpers/gateway.js'
import { runInPty, shellLine } from '../helpers/pty.js'
import { runBin, runCli } from '../helpers/run-cli.js'
import type { CheckingProxy } from '../helpers/openapi-proxy.js'
import { cliGateway, cliEnv, spawnCli } from './cli-env.js'

let gateway: TestGateway
/** `mpg` talks to the gateway through this: every answer it gets is held to the OpenAPI document. */
let checked: CheckingProxy
let configDir: string
cliGateway('file', (rig) => ({ gateway, configDir, checked } = rig))

const mpg = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: cliEnv({ url: checked.url, key: gateway.key }, configDir, extra) })
const configFile = () => JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { profiles: Record<string, Record<string, string>> }

describe('Stripe CLI parity', () => {
  it('`config unset` removes one setting; `logout` forgets the saved key, and commands then say how to set one', async () => {
    expect((await mpg(['config', 'set', '--api-key', gateway.key, '--base-url', checked.url])).exitCode).toBe(0)
    const unset = await mpg(['config', 'unset', 'base-url', '--json'])
    expect(unset.exitCode, unset.stderr).toBe(0)
    expect(JSON.parse(unset.stdout)).toMatchObject({ removed: ['base-url'] })
    expect(configFile().profiles.default).toEqual({ api_key: gateway.key })
    // The saved key works (no MPG_API_KEY in the environment) …
    expect((await mpg(['transactions', 'list'], { MPG_API_KEY: '' })).exitCode).toBe(0)
    const out = await mpg(['logout'], { MPG_API_KEY: '' })
    expect(out.exitCode).toBe(0)
    expect(out.stdout).toContain('Forgot api-key of profile default')
    expect(configFile().profiles.default).toBeUndefined()
    // … and after logout it is gone.
    const after = await mpg(['transactions', 'list'], { MPG_API_KEY: '' })
    expect(after.exitCode).toBe(5)
    expect(after.stderr).toContain('mpg config set --api-key')
    expect((await mpg(['config', 'unset', 'colour'])).exitCode).toBe(2)
  })

  it('`listen --print-secret` prints the kept signing secret and exits', async () => {
    const first = await mpg(['listen', '--print-secret'])
    expect(first.exitCode, first.stderr).toBe(0)
    expect(first.stdout.trim()).toMatch(/^whsec_[A-Za-z0-9+/=]+$/)
    expect((await mpg(['listen', '--print-secret'])).stdout).toBe(first.stdout)
    expect(readFileSync(join(configDir, 'listen-secret'), 'utf8')).toBe(first.stdout)
  })

  it('`trigger --override` changes the fields of the STK push; a bad value is a usage error', async () => {
    const doc = JSON.parse((await mpg(['trigger', 'payment.success', '--override', 'amount=250,reference=ORDER-9', '--json'])).stdout)
    expect(doc.transaction).toMatchObject({ amount: 250, reference: 'ORDER-9', status: 'success' })
    const bad = await mpg(['trigger', 'payment.success', '--override', 'amount=lots'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('--override amount: Invalid amount "lots"')
    expect((await mpg(['trigger', 'payment.success', '--override', 'colour=red'])).exitCode).toBe(2)
  })

  it('`get` and `post` call API paths with the configured key', async () => {
    const posted = await mpg(['post', '/stk-push', '-d', 'amount:=12', '-d', 'phone=254708374149', '-d', 'reference=RAW-1', '-d', 'description=Raw', '--idempotency-key', 'raw-1'])
    expect(posted.exitCode, posted.stderr).toBe(0)
    const id = JSON.parse(posted.stdout).transaction_id as string
    const got = await mpg(['get', `/api/v1/transactions/${id}`])
    expect(JSON.parse(got.stdout).transaction).toMatchObject({ id, amount: 12, reference: 'RAW-1' })
    const replay = await mpg(['post', 'stk-push', '--body', JSON.stringify({ amount: 12, phone: '254708374149', reference: 'RAW-1', description: 'Raw' }), '--idempotency-key', 'raw-1'])
    expect(JSON.parse(replay.stdout).transaction_id).toBe(id)
    const accounts = await mpg(['get', '/admin/accounts', '--admin'], { MPG_ADMIN_TOKEN: gateway.adminToken })
    expect(JSON.parse(accounts.stdout).data.length).toBeGreaterThan(0)
    const missing = await mpg(['get', '/transactions/nope'])
    expect(missing.exitCode).toBe(6)
  })

  it('`--log-level debug` and MPG_DEBUG=1 print each HTTP exchange on stderr with the key masked', async () => {
    for (const [args, extra] of [[['--log-level', 'debug'], {}], [[], { MPG_DEBUG: '1' }]] as const) {
      const result = await mpg(['transactions', 'list', ...args], extra)
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stderr).toContain(`[debug] > GET ${checked.url}/api/v1/transactions`)
      expect(result.stderr).toMatch(/\[debug\] < 200 GET .*\(\d+ ms\)/)
      expect(result.stderr).toMatch(/authorization: Bearer mpg_test_\w\w…\w{4}/)
      expect(result.stderr).not.toContain(gateway.key)
    }
  })

  it('--color always colours without a terminal; --color never keeps a terminal plain', async () => {
    const always = spawnCli(['listen', '--forward-to', '3999', '--color', 'always'], cliEnv({ url: checked.url, key: gateway.key }, configDir))
    try {
      expect(await always.nextLine(1)).toMatch(/^Signing secret: \u001b\[1mwhsec_/)
    } finally {
      always.child.kill('SIGTERM')
      await always.exited
    }
    const line = (colour: string) => shellLine([process.execPath, runBin, 'listen', '--forward-to', '3999', '--color', colour])
    for (const [colour, coloured] of [['auto', true], ['never', false]] as const) {
      const run = runInPty(line(colour), { ...cliEnv({ url: checked.url, key: gateway.key }, configDir), NO_COLOR: '' })
      await run.waitFor(/Connected; waiting/)
      run.type('\x03')
      expect(await run.exited).toBe(130)
      expect(/Signing secret: \u001b\[1m/.test(run.screen()), colour).toBe(coloured)
    }
  }, 60_000)
})
