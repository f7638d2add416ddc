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

/** What the cases below run against: transactions pushed once, a port nothing listens on. */
interface Fixture {
  ids: string[]
  unreachable: string
}
let fixture: Fixture
beforeAll(async () => {
  const ids: string[] = []
  // A reference with a format directive and a non-ASCII character: printed as is by both.
  for (const reference of ['ORDER-1', '50% off – café', 'ORDER-1']) {
    const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference }) })
    ids.push(((await res.json()) as { transaction_id: string }).transaction_id)
  }
  fixture = { ids, unreachable: `http://127.0.0.1:${await closedPort()}` }
})

const refusedKey = 'mpg_test_NotAKeyThisGatewayIssued000000'
const cases: Array<{ name: string; args: (f: Fixture) => string[]; env?: (f: Fixture) => NodeJS.ProcessEnv; exit: number; says?: RegExp }> = [
  { name: 'get', args: (f) => ['get', f.ids[0]], exit: 0 },
  { name: 'get with % and – in the reference', args: (f) => ['get', f.ids[1]], exit: 0 },
  { name: 'get, not found', args: () => ['get', 'no-such-transaction'], exit: 6 },
  { name: 'get, unreachable gateway', args: (f) => ['get', f.ids[0]], env: (f) => ({ MPG_BASE_URL: f.unreachable }), exit: 4 },
  { name: 'get, unreachable gateway (--base-url)', args: (f) => ['get', f.ids[0], '--base-url', f.unreachable], exit: 4 },
  { name: 'get, key the gateway refuses', args: (f) => ['get', f.ids[0]], env: () => ({ MPG_API_KEY: refusedKey }), exit: 5 },
  { name: 'get, key the gateway refuses (--api-key=)', args: (f) => ['get', f.ids[0], `--api-key=${refusedKey}`], exit: 5 },
  { name: 'get, no key at all', args: (f) => ['get', f.ids[0]], env: () => ({ MPG_API_KEY: '' }), exit: 5 },
  { name: 'get, profile that does not exist', args: (f) => ['get', f.ids[0], '--profile', 'nope'], exit: 3 },
  { name: 'get, base URL that is not a URL', args: (f) => ['get', f.ids[0]], env: () => ({ MPG_BASE_URL: 'localhost' }), exit: 3 },
  { name: 'get, server that is not a gateway', args: (f) => ['get', f.ids[0]], env: () => ({ MPG_BASE_URL: notGatewayUrl }), exit: 3 },
  { name: 'list', args: () => ['list'], exit: 0 },
  { name: 'list, a page with more after it', args: () => ['list', '--limit', '1'], exit: 0, says: /^More: mpg transactions list --starting-after \S+$/m },
  { name: 'list, by status', args: () => ['list', '--status', 'pending', '--limit', '2'], exit: 0 },
  { name: 'list, by reference, the next page', args: (f) => ['list', '--reference=ORDER-1', '--limit=1', '--starting-after', f.ids[2]], exit: 0 },
  { name: 'list, nothing matches', args: () => ['list', '--reference', 'NO-SUCH-ORDER'], exit: 0 },
  { name: 'list, unreachable gateway', args: () => ['list'], env: (f) => ({ MPG_BASE_URL: f.unreachable }), exit: 4 },
  { name: 'list, key the gateway refuses', args: () => ['list', '--status', 'failed'], env: () => ({ MPG_API_KEY: refusedKey }), exit: 5 },
]

describe('mpg transactions get and list: the fast path and oclif answer byte for byte alike', () => {
  it.each(cases)('$name (exit $exit), with and without --json', async ({ name, args: argsFor, env: envFor, exit, says }) => {
    for (const json of [false, true]) {
      const args = ['transactions', ...argsFor(fixture), ...(json ? ['--json'] : [])]
      const env = cliEnv({ url: checked.url, key: gateway.key }, configDir, envFor?.(fixture))
      // `--color never` changes nothing in this output, but it is a flag the fast path leaves to oclif.
      const [fast, viaRun, oclif] = await Promise.all([fastPathAlone(args, env), runCli(args, { env }), runCli([...args, '--color', 'never'], { env })])
      const seen = (r: CliResult) => ({ case: name, json, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr })
      expect(oclif.exitCode, `${name} ${json ? '--json' : ''}: ${oclif.stderr}`).toBe(exit)
      expect(seen(fast)).toEqual(seen(oclif))
      expect(seen(viaRun)).toEqual(seen(oclif))
      // Something was said: the answer on stdout, or the error on stderr (on stdout under --json).
      expect(exit === 0 || json ? oclif.stdout : oclif.stderr).not.toBe('')
      if (says && !json) expect(oclif.stdout).toMatch(says)
    }
  })

  it('leaves to oclif what it does not take: help, other flags, values oclif refuses, debug tracing, a missing id', async () => {
    const env = cliEnv({ url: checked.url, key: gateway.key }, configDir)
    for (const [args, extra] of [
      [['transactions', 'get', 'x', '--help'], {}],
      [['transactions', 'get', 'x', '--color', 'never'], {}],
      [['transactions', 'get', 'x'], { MPG_DEBUG: '1' }],
      [['transactions', 'get'], {}],
      [['transactions', 'get', 'x', 'y'], {}],
      [['transactions', 'get', 'x', '--', 'y'], {}],
      [['transactions', 'get', 'x', '--json', '--json'], {}],
      [['transactions', 'list', 'x'], {}],
      [['transactions', 'list', '--limit', '0'], {}],
      [['transactions', 'list', '--limit', '5.5'], {}],
      [['transactions', 'list', '--status', 'paid'], {}],
      [['transactions', 'list', '--reference='], {}],
      [['transactions', 'list', '--status', 'failed', '--status', 'success'], {}],
      [['transactions', 'list', '--data-dir', '.'], {}],
      [['transactions', 'watch'], {}],
    ] as Array<[string[], NodeJS.ProcessEnv]>) {
      const fast = await fastPathAlone(args, { ...env, ...extra })
      expect({ args, exitCode: fast.exitCode, stdout: fast.stdout, stderr: fast.stderr }).toEqual({ args, exitCode: 99, stdout: '', stderr: 'declined\n' })
    }
  })
})
