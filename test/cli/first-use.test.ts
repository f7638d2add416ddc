// Issue #16: what a Stripe-CLI user trips on, each through the real bin/run.js (terminal cases in
// a pseudo-terminal through util-linux `script`).
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { plain, runInPty, shellLine } from '../helpers/pty.js'
import { repoRoot, runBin, runCli } from '../helpers/run-cli.js'
import { cliEnv, spawnCli, tempConfigDir } from './cli-env.js'

let gateway: TestGateway
let configDir: string
let work: string
beforeAll(async () => {
  gateway = await startTestGateway()
  configDir = tempConfigDir()
  work = mkdtempSync(join(tmpdir(), 'mpg-first-use-'))
})
afterAll(async () => {
  await gateway.close()
  removeDir(gateway.dataDir)
  removeDir(configDir)
  removeDir(work)
})

const env = (extra: NodeJS.ProcessEnv = {}) => cliEnv(gateway, configDir, extra)
const mpg = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: env(extra) })
const mpgLine = (args: string[]) => shellLine([process.execPath, runBin, ...args])

describe('1. help and version are commands', () => {
  it('`mpg help`, `mpg help stk-push` and `mpg version` answer (exit 0); --help is unchanged', async () => {
    const help = await mpg(['help'])
    expect(help.exitCode, help.stderr).toBe(0)
    expect(help.stdout).toContain('stk-push')
    const topic = await mpg(['help', 'stk-push'])
    expect(topic.exitCode).toBe(0)
    expect(topic.stdout).toContain('USAGE')
    expect((await mpg(['stk-push', '--help'])).stdout).toBe(topic.stdout)
    const version = await mpg(['version'])
    expect(version.exitCode).toBe(0)
    expect(version.stdout).toBe((await mpg(['--version'])).stdout)
    expect(JSON.parse((await mpg(['version', '--json'])).stdout)).toMatchObject({ version: expect.any(String), node: process.version })
  })
})

describe('2. prompts are drawn on the terminal, never into stdout', () => {
  it('`mpg stk-push > out.txt` at a terminal asks on stderr and leaves only the result in the file', async () => {
    const out = join(work, 'out.txt')
    const run = runInPty(`${mpgLine(['stk-push', '--reference', 'R-1', '--description', 'Tea'])} > ${shellLine([out])}`, env())
    await run.waitFor(/Customer phone/)
    run.type('254708374149\r')
    await run.waitFor(/Amount in whole KES/)
    run.type('abc\r')
    await run.waitFor(/type whole shillings/)
    expect(plain(run.screen())).not.toMatch(/JSON number/)
    run.type('\b\b\b5\r')
    expect(await run.exited).toBe(0)
    const file = readFileSync(out, 'utf8')
    expect(file).toMatch(/^Sent: transaction \S+/)
    expect(file).not.toMatch(/Customer phone|Amount|\u001b/)
  })

  it('with stderr redirected away there is no prompt: every missing flag in one usage error', async () => {
    const errFile = join(work, 'err.txt')
    const run = runInPty(`${mpgLine(['stk-push', '--amount', '5'])} 2> ${shellLine([errFile])}`, env())
    expect(await run.exited).toBe(2)
    expect(readFileSync(errFile, 'utf8')).toBe('Error: Missing required flags --phone, --reference, --description. Pass them on the command line (see `mpg stk-push --help`).\n')
  })

  it('Ctrl-C at a prompt exits 130 without an error message', async () => {
    const run = runInPty(mpgLine(['stk-push']), env())
    await run.waitFor(/Customer phone/)
    run.type('\x03')
    expect(await run.exited).toBe(130)
    expect(plain(run.screen())).not.toMatch(/Error|Cancelled/)
  })
})

describe('3. install paths', () => {
  it('without dist/ (a clone installed with --ignore-scripts), mpg says how to build instead of a ModuleLoadError (exit 3)', async () => {
    const clone = join(work, 'clone')
    mkdirSync(join(clone, 'bin'), { recursive: true })
    cpSync(runBin, join(clone, 'bin', 'run.js'))
    cpSync(join(repoRoot, 'package.json'), join(clone, 'package.json'))
    symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'))
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(clone, 'bin', 'run.js'), 'serve'], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
      child.on('close', (code) => resolve({ code, stderr }))
    })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('Run `npm install` (which builds), or `npm run build`.')
    expect(result.stderr).not.toMatch(/ModuleLoadError/)
  })

  it('`npm install` builds (prepare), and `npm start` serves at once when dist/ is current', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts.prepare).toBe('node scripts/build-if-stale.mjs')
    expect(pkg.scripts.start).toBe('node scripts/start.mjs')
    const dataDir = join(work, 'start-data')
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/start.mjs'), '--port', '0', '--json'], {
      cwd: repoRoot,
      env: { ...process.env, MPG_DATA_DIR: dataDir, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c))
    const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve))
    expect(JSON.parse(first)).toMatchObject({ type: 'ready', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) })
    expect(stderr).not.toMatch(/building/)
    child.kill('SIGTERM')
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0)
  })

  it.each([
    ['node bin/run.js', (args: string[]) => mpgLine(args)],
    ['npx mpg', (args: string[]) => shellLine(['npx', '--no-install', 'mpg', ...args])],
  ])('Ctrl-C stops `mpg tail` with exit 130 under %s', async (_name, line) => {
    const run = runInPty(line(['tail']), env())
    // npx re-links this package into its cache when package.json changed: slow the first time.
    await run.waitFor(/Connected; waiting for events/, 100_000)
    run.type('\x03')
    expect(await run.exited).toBe(130)
    expect(plain(run.screen())).not.toMatch(/Error/)
  }, 130_000)
})

describe('4. messages written for the CLI', () => {
  it('a revoked key names the command that fixes it, not an HTTP header', async () => {
    const created = await (await gateway.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: gateway.bootstrap!.account_id, mode: 'test' } })).json() as { id: string; key: string }
    await gateway.admin(`/api/v1/admin/keys/${created.id}/revoke`, { method: 'POST' })
    const result = await mpg(['transactions', 'list'], { MPG_API_KEY: created.key })
    expect(result.exitCode).toBe(5)
    expect(result.stderr).toContain('mpg config set --api-key')
    expect(result.stderr).not.toMatch(/Authorization: Bearer/)
  })

  it('no API key: the hint names `mpg config set --api-key`', async () => {
    const result = await mpg(['transactions', 'list'], { MPG_API_KEY: '' })
    expect(result.exitCode).toBe(5)
    expect(result.stderr).toBe('Error: No API key is set. Save a key with `mpg config set --api-key mpg_test_…`, or pass --api-key / set MPG_API_KEY (new keys: `mpg keys create`).\n')
  })

  it('a mistyped flag gets the closest one, in "Sentence. Next step." style', async () => {
    const result = await mpg(['stk-push', '--phnoe', '254708374149'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe('Error: Unknown flag --phnoe. Did you mean --phone? See `mpg stk-push --help`.\n')
  })

  it('all missing required flags are named in one usage error', async () => {
    const result = await mpg(['keys', 'create'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('Missing required flags --account, --mode.')
  })

  it('a base URL that is not a gateway is a settings error (exit 3), not "not found" (exit 6)', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      const result = await mpg(['transactions', 'list'], { MPG_BASE_URL: `http://127.0.0.1:${port}` })
      expect(result.exitCode).toBe(3)
      expect(result.stderr).toContain('does not look like an mpesa-gateway')
      expect(result.stderr).toContain('--base-url')
    } finally {
      server.close()
    }
  })
})

describe('5. one NDJSON shape', () => {
  it('`emulator start --json` and `serve --json` start with {"type":"ready"}, and every line has a type', async () => {
    const emulator = spawnCli(['emulator', 'start', '--port', '0', '--json'], env())
    const first = JSON.parse(await emulator.nextLine(0))
    expect(first).toMatchObject({ type: 'ready', url: expect.any(String), consumer_key: expect.any(String) })
    emulator.child.kill('SIGTERM')
    await emulator.exited
    expect(emulator.lines.every((l) => typeof JSON.parse(l).type === 'string')).toBe(true)

    const serve = spawnCli(['serve', '--port', '0', '--json'], { ...env(), MPG_DATA_DIR: join(work, 'serve-data') })
    const ready = JSON.parse(await serve.nextLine(0))
    expect(ready).toMatchObject({ type: 'ready', url: expect.any(String) })
    await fetch(`${ready.url}/health`)
    await serve.waitForLines(1, (l) => JSON.parse(l).type === 'request')
    serve.child.kill('SIGTERM')
    await serve.exited
    expect(serve.lines.map((l) => JSON.parse(l).type)).toContain('stopped')
    expect(serve.lines.every((l) => typeof JSON.parse(l).type === 'string')).toBe(true)
  }, 60_000)

  it('`trigger --json` names the account by where it came from, not "key"', async () => {
    const doc = JSON.parse((await mpg(['trigger', 'payment.success', '--json'])).stdout)
    expect(doc.account).toEqual({ source: 'api_key' })
  })

  it('replaying an Idempotency-Key shows the payment as it is now, not as first answered', async () => {
    const push = ['stk-push', '--phone', '254708374149', '--amount', '7', '--reference', 'R-9', '--description', 'D', '--idempotency-key', 'first-use-replay']
    const first = JSON.parse((await mpg([...push, '--wait', '--json'])).stdout)
    expect(first.status).toBe('success')
    const again = await mpg(push)
    expect(again.stdout).toContain('Replayed (same Idempotency-Key)')
    expect(again.stdout).toMatch(/status\s+success/)
  })
})

describe('6. --forward-to as people type it', () => {
  it.each([
    ['a bare port', (port: number) => String(port), '/'],
    ['host:port/path', (port: number) => `localhost:${port}/hooks`, '/hooks'],
    ['a full URL', (port: number) => `http://127.0.0.1:${port}/full`, '/full'],
  ])('accepts %s', async (_name, target, path) => {
    const seen: string[] = []
    const receiver = createServer((req, res) => {
      seen.push(req.url ?? '')
      res.writeHead(204).end()
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const { port } = receiver.address() as { port: number }
    const listen = spawnCli(['listen', '--forward-to', target(port), '--json'], env())
    try {
      expect(JSON.parse(await listen.nextLine(0))).toMatchObject({ type: 'ready' })
      // `ready` comes before the stream is open: an event made before it opens is not forwarded.
      await listen.connected()
      expect((await mpg(['trigger', 'payment.success'])).exitCode).toBe(0)
      const forwarded = JSON.parse((await listen.waitForLines(1, (l) => JSON.parse(l).type === 'forwarded'))[0])
      expect(forwarded.status).toBe(204)
      expect(seen).toContain(path)
    } finally {
      listen.child.kill('SIGTERM')
      await listen.exited
      receiver.close()
    }
  }, 60_000)
})

describe('8. the repository stands alone', () => {
  it('no file points at ../shared or the spec folder outside the repository', async () => {
    const { spawnSync } = await import('node:child_process')
    const grep = spawnSync('git', ['grep', '-l', '-E', String.raw`\.\./shared|shared/spec`, '--', '.', ':!test/cli/first-use.test.ts'], { cwd: repoRoot, encoding: 'utf8' })
    expect(grep.stdout).toBe('')
  })
})

