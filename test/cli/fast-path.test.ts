import { spawn } from 'node:child_process'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stkBody, type TestGateway } from '../helpers/gateway.js'
import type { CheckingProxy } from '../helpers/openapi-proxy.js'
import { repoRoot, runCli, type CliResult } from '../helpers/run-cli.js'
import { cliEnv, cliGateway } from './cli-env.js'

let gateway: TestGateway
let checked: CheckingProxy
let configDir: string
cliGateway('file', (rig) => ({ gateway, configDir, checked } = rig))

const fastPathModule = fileURLToPath(new URL('../../bin/fast-path.js', import.meta.url))

/**
 * bin/run.js offers `transactions get` to the bundled fast path (bin/fast-path.js) before oclif.
 * This runs that fast path alone, in a process of its own with the same environment as `mpg`:
 * what it printed and its exit code, or exit 99 when it declined the invocation.
 */
function fastPathAlone(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const script = `const { runFastPath } = await import(${JSON.stringify(fastPathModule)})
const code = await runFastPath(${JSON.stringify(args)})
if (code === false) process.stderr.write('declined\\n')
process.exitCode = code === false ? 99 : code`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (exitCode) => resolve({ stdout, stderr, exitCode }))
  })
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Something that answers HTTP but is not a gateway: 404 with a plain-text body. */
let notGateway: Server
let notGatewayUrl: string
beforeAll(async () => {
  notGateway = createHttpServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found'))
  await new Promise<void>((resolve) => notGateway.listen(0, '127.0.0.1', resolve))
  notGatewayUrl = `http://127.0.0.1:${(notGateway.address() as { port: number }).port}`
})
afterAll(() => new Promise((resolve) => notGateway.close(resolve)))

describe('mpg transactions get: the fast path and oclif answer byte for byte alike', () => {
  it('for success, not found, unreachable, a refused or missing key, a bad profile and a server that is not a gateway, with and without --json', async () => {
    const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
    const { transaction_id: id } = (await res.json()) as { transaction_id: string }
    const unreachable = `http://127.0.0.1:${await closedPort()}`
    const cases: Array<{ name: string; args: string[]; env?: NodeJS.ProcessEnv; exit: number }> = [
      { name: 'success', args: [id], exit: 0 },
      { name: 'not found', args: ['no-such-transaction'], exit: 6 },
      { name: 'unreachable gateway', args: [id], env: { MPG_BASE_URL: unreachable }, exit: 4 },
      { name: 'unreachable gateway (--base-url)', args: [id, '--base-url', unreachable], exit: 4 },
      { name: 'key the gateway refuses', args: [id], env: { MPG_API_KEY: 'mpg_test_NotAKeyThisGatewayIssued000000' }, exit: 5 },
      { name: 'key the gateway refuses (--api-key=)', args: [id, '--api-key=mpg_test_NotAKeyThisGatewayIssued000000'], exit: 5 },
      { name: 'no key at all', args: [id], env: { MPG_API_KEY: '' }, exit: 5 },
      { name: 'profile that does not exist', args: [id, '--profile', 'nope'], exit: 3 },
      { name: 'base URL that is not a URL', args: [id], env: { MPG_BASE_URL: 'localhost' }, exit: 3 },
      { name: 'server that is not a gateway', args: [id], env: { MPG_BASE_URL: notGatewayUrl }, exit: 3 },
    ]
    for (const { name, args: rest, env: extra, exit } of cases) {
      for (const json of [false, true]) {
        const args = ['transactions', 'get', ...rest, ...(json ? ['--json'] : [])]
        const env = cliEnv({ url: checked.url, key: gateway.key }, configDir, extra)
        // `--color never` changes nothing in this output, but it is a flag the fast path leaves to oclif.
        const [fast, viaRun, oclif] = [await fastPathAlone(args, env), await runCli(args, { env }), await runCli([...args, '--color', 'never'], { env })]
        const seen = (r: CliResult) => ({ case: name, json, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr })
        expect(oclif.exitCode, `${name} ${json ? '--json' : ''}: ${oclif.stderr}`).toBe(exit)
        expect(seen(fast)).toEqual(seen(oclif))
        expect(seen(viaRun)).toEqual(seen(oclif))
        // Something was said: the answer on stdout, or the error on stderr (on stdout under --json).
        expect(exit === 0 || json ? oclif.stdout : oclif.stderr).not.toBe('')
      }
    }
  })

  it('leaves to oclif what it does not take: help, other flags, debug tracing, a missing id', async () => {
    const env = cliEnv({ url: checked.url, key: gateway.key }, configDir)
    for (const [args, extra] of [
      [['transactions', 'get', 'x', '--help'], {}],
      [['transactions', 'get', 'x', '--color', 'never'], {}],
      [['transactions', 'get', 'x'], { MPG_DEBUG: '1' }],
      [['transactions', 'get'], {}],
      [['transactions', 'get', 'x', '--', 'y'], {}],
    ] as Array<[string[], NodeJS.ProcessEnv]>) {
      const fast = await fastPathAlone(args, { ...env, ...extra })
      expect({ args, exitCode: fast.exitCode, stdout: fast.stdout, stderr: fast.stderr }).toEqual({ args, exitCode: 99, stdout: '', stderr: 'declined\n' })
    }
  })
})
