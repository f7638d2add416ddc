import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { repoRoot, runBin, runCli } from '../helpers/run-cli.js'
import { bearer, getToken, http, stkBody } from './helpers.js'

/** `mpg emulator start` as a user runs it; resolves with a reader of its stdout lines. */
function spawnStart(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [runBin, 'emulator', 'start', ...args], {
    cwd: repoRoot,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', NODE_ENV: 'production', ...env },
  }) as ChildProcessWithoutNullStreams
  const lines: string[] = []
  let wake: (() => void) | undefined
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line)
    wake?.()
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  async function nextLine(index: number, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    while (lines.length <= index) {
      if (Date.now() > deadline) throw new Error(`no stdout line ${index}; stderr: ${stderr}`)
      await new Promise<void>((resolve) => {
        wake = resolve
        setTimeout(resolve, 100)
      })
    }
    return lines[index]
  }
  return { child, lines, nextLine, exited, stderr: () => stderr }
}

let cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

describe('mpg emulator start', () => {
  it('--profile sandbox (or MPG_EMULATOR_PROFILE) starts the sandbox-realistic profile; fast is the default', async () => {
    const sandbox = spawnStart(['--port', '0', '--json', '--profile', 'sandbox'])
    cleanups.push(() => sandbox.child.kill('SIGKILL'))
    const fast = spawnStart(['--port', '0', '--json'])
    cleanups.push(() => fast.child.kill('SIGKILL'))
    const sandboxUrl = JSON.parse(await sandbox.nextLine(0)).url
    const fastUrl = JSON.parse(await fast.nextLine(0)).url
    expect((await http('GET', `${sandboxUrl}/__emulator/health`)).body.profile).toBe('sandbox')
    expect((await http('GET', `${fastUrl}/__emulator/health`)).body.profile).toBe('fast')
    const byEnv = spawnStart(['--port', '0', '--json'], { MPG_EMULATOR_PROFILE: 'sandbox' })
    cleanups.push(() => byEnv.child.kill('SIGKILL'))
    expect((await http('GET', `${JSON.parse(await byEnv.nextLine(0)).url}/__emulator/health`)).body.profile).toBe('sandbox')
    const bad = await runCli(['emulator', 'start', '--port', '0', '--profile', 'slow'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/fast, sandbox/)
  })

  it('--json prints the credentials first, then one JSON line per API call, and stops cleanly on SIGTERM', async () => {
    const run = spawnStart(['--port', '0', '--json', '--callback-delay-ms', '10', '--consumer-key', 'ck', '--consumer-secret', 'cs'])
    cleanups.push(() => run.child.kill('SIGKILL'))
    const first = JSON.parse(await run.nextLine(0))
    expect(Object.keys(first)).toEqual(['type', 'url', 'consumer_key', 'consumer_secret', 'shortcode', 'passkey', 'b2c_shortcode', 'initiator_name', 'security_credential'])
    expect(first).toMatchObject({ consumer_key: 'ck', consumer_secret: 'cs', shortcode: '174379', b2c_shortcode: '600997', initiator_name: 'testapi' })
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const res = await http('GET', `${first.url}/oauth/v1/generate?grant_type=client_credentials`, {
      headers: { authorization: `Basic ${Buffer.from('ck:cs').toString('base64')}` },
    })
    expect(res.status).toBe(200)
    const logged = JSON.parse(await run.nextLine(1))
    expect(logged).toMatchObject({ type: 'request', method: 'GET', endpoint: 'oauth', status: 200 })

    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    await expect(http('GET', `${first.url}/__emulator/health`)).rejects.toThrow()
  })

  it('prints the URL and credentials for people, and one line per call', async () => {
    const run = spawnStart(['--port', '0'])
    cleanups.push(() => run.child.kill('SIGKILL'))
    const head = await run.nextLine(0)
    const url = /listening on (http:\/\/\S+)/.exec(head)?.[1]
    expect(url).toBeTruthy()
    // Header: URL, blank, 7 credential rows, blank, control-API line, blank.
    expect(await run.nextLine(10)).toMatch(/^Control API at /)
    await run.nextLine(11)
    const text = run.lines.join('\n')
    for (const label of ['consumer key', 'consumer secret', 'shortcode', 'passkey', 'B2C shortcode', 'initiator name', 'security credential']) {
      expect(text).toContain(label)
    }
    expect(text).toContain('bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919')
    const before = run.lines.length
    await http('POST', `${url}/mpesa/stkpush/v1/processrequest`, { body: {} })
    const line = await run.nextLine(before)
    expect(line).toMatch(/POST \/mpesa\/stkpush\/v1\/processrequest 404 \d+ms 404\.001\.03 Invalid Access Token$/)
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(130)
  })

  it('fails with a conflict exit code when the port is taken', async () => {
    const em = await startEmulator()
    cleanups.push(() => em.close())
    const result = await runCli(['emulator', 'start', '--port', String(em.port)])
    expect(result.exitCode).toBe(7)
    expect(result.stderr).toMatch(/already in use/)
    expect(result.stderr).toMatch(/--port/)
  })
})

describe('mpg emulator resolve', () => {
  let em: RunningEmulator
  let receiver: CallbackReceiver
  async function heldPrompt(): Promise<string> {
    em = await startEmulator({ callbackDelayMs: 10 })
    receiver = await startCallbackReceiver()
    cleanups.push(() => em.close(), () => receiver.close())
    const res = await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, {
      headers: bearer(await getToken(em)),
      body: stkBody(em, '254700000008', `${receiver.url}/cb`),
    })
    return res.body.CheckoutRequestID
  }

  it('finishes a held prompt (--json prints the transaction) and the callback goes out', async () => {
    const id = await heldPrompt()
    const result = await runCli(['emulator', 'resolve', id, '--result-code', '1032', '--json'], { env: { MPG_EMULATOR_URL: em.url } })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ checkout_request_id: id, status: 'completed', result_code: 1032, result_desc: 'Request cancelled by user' })
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback.ResultCode).toBe(1032)
  })

  it('human output names the result and where the callback goes', async () => {
    const id = await heldPrompt()
    const result = await runCli(['emulator', 'resolve', id, '--result-code', '0', '--emulator-url', em.url])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`Resolved ${id}: ResultCode 0`)
    expect(result.stdout).toContain(`${receiver.url}/cb`)
  })

  it('clear errors: unknown id (6), not held (7), unreachable (4), missing flag (2)', async () => {
    const id = await heldPrompt()
    const unknown = await runCli(['emulator', 'resolve', 'ws_CO_nope', '--result-code', '0', '--emulator-url', em.url])
    expect(unknown.exitCode).toBe(6)
    expect(unknown.stderr).toMatch(/no STK transaction ws_CO_nope/)

    await runCli(['emulator', 'resolve', id, '--result-code', '0', '--emulator-url', em.url])
    const twice = await runCli(['emulator', 'resolve', id, '--result-code', '0', '--emulator-url', em.url, '--json'])
    expect(twice.exitCode).toBe(7)
    expect(JSON.parse(twice.stdout).error).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/not held/) })

    const closed = await startEmulator()
    const deadUrl = closed.url
    await closed.close()
    const unreachable = await runCli(['emulator', 'resolve', id, '--result-code', '0', '--emulator-url', deadUrl])
    expect(unreachable.exitCode).toBe(4)
    expect(unreachable.stderr).toMatch(/No emulator answers/)
    expect(unreachable.stderr).toMatch(/mpg emulator start/)

    const missing = await runCli(['emulator', 'resolve', id, '--emulator-url', em.url])
    expect(missing.exitCode).toBe(2)
  })
})
