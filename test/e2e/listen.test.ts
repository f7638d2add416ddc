import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it } from 'vitest'
import { verifyWebhookSignature } from '../../src/webhooks/signature.js'
import { startCallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import { cliEnv, spawnCli, tempConfigDir, type SpawnedCli } from '../cli/cli-env.js'

let cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

interface Checked {
  id: string
  event: string
  raw: Buffer
  mpgSignatureOk: boolean
  standardSignatureOk: boolean
}

/**
 * A local receiver as a merchant would write it: a node:http server that reads the raw body and
 * verifies both signature schemes with the secret `mpg listen` printed.
 */
async function startVerifyingReceiver(secret: () => string, answer = { status: 200, body: 'ok-from-local' }) {
  const checked: Checked[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      let mpgSignatureOk = false
      let standardSignatureOk = false
      try {
        mpgSignatureOk = verifyWebhookSignature({ rawBody: raw, signature: req.headers['x-mpesa-gateway-signature'], secret: secret() })
      } catch {
        mpgSignatureOk = false
      }
      try {
        new Webhook(secret()).verify(raw.toString('utf8'), {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        })
        standardSignatureOk = true
      } catch {
        standardSignatureOk = false
      }
      const body = JSON.parse(raw.toString('utf8')) as { id: string; event: string }
      checked.push({ id: body.id, event: String(req.headers['x-mpesa-gateway-event']), raw, mpgSignatureOk, standardSignatureOk })
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/mpesa`, checked }
}

async function gatewayFor(): Promise<TestGateway> {
  const gateway = await startTestGateway()
  cleanups.push(async () => {
    await gateway.close()
    removeDir(gateway.dataDir)
  })
  return gateway
}

function configDirFor(): string {
  const dir = tempConfigDir()
  cleanups.push(() => removeDir(dir))
  return dir
}

function listen(args: string[], env: NodeJS.ProcessEnv): SpawnedCli {
  const run = spawnCli(['listen', ...args], env)
  cleanups.push(() => run.child.kill('SIGKILL'))
  return run
}

async function push(gateway: TestGateway, phone: string): Promise<string> {
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }) })
  return ((await res.json()) as { transaction_id: string }).transaction_id
}

describe('mpg listen (spawned bin/run.js, CI set, no stdin)', () => {
  it('forwards each event with the raw body byte-for-byte and both signatures made with the printed secret', async () => {
    const gateway = await gatewayFor()
    const configDir = configDirFor()
    let secret = ''
    const local = await startVerifyingReceiver(() => secret)
    // The gateway's own delivery of the same events, to compare bytes with.
    const delivered = await startCallbackReceiver()
    cleanups.push(() => delivered.close())
    const created = await gateway.api('/api/v1/webhooks', { method: 'POST', json: { url: `${delivered.url}/hook` } })
    expect(created.status).toBe(201)

    const run = listen(['--forward-to', local.url, '--json'], cliEnv(gateway, configDir))
    const ready = JSON.parse(await run.nextLine(0)) as { type: string; secret: string; secret_source: string; forward_to: string }
    expect(ready).toMatchObject({ type: 'ready', secret_source: 'generated', forward_to: local.url })
    secret = ready.secret
    expect(secret).toMatch(/^whsec_/)
    await run.connected()

    const paid = await push(gateway, '254708374149')
    const failed = await push(gateway, '254700000001')
    const lines = (await run.waitForLines(3, (l) => l.includes('"forwarded"'))).map((l) => JSON.parse(l))
    expect(lines.map((l) => `${l.event} ${l.transaction_id} ${l.status}`).sort()).toEqual(
      [`payment.failed ${failed} 200`, `payment.success ${paid} 200`, `payout.success ${paid} 200`].sort(),
    )
    for (const l of lines) expect(l.duration_ms).toEqual(expect.any(Number))

    expect(local.checked).toHaveLength(3)
    for (const c of local.checked) expect({ id: c.id, mpg: c.mpgSignatureOk, standard: c.standardSignatureOk }).toEqual({ id: c.id, mpg: true, standard: true })
    const fromGateway = await delivered.waitFor(3)
    for (const c of local.checked) {
      const same = fromGateway.find((r) => (r.json as { id: string }).id === c.id)
      expect(same, `the gateway delivered ${c.id} too`).toBeDefined()
      expect(c.raw.equals(same!.raw)).toBe(true)
      expect(c.event).toBe(same!.headers['x-mpesa-gateway-event'])
    }

    run.child.kill('SIGINT')
    expect(await run.exited).toEqual({ code: 130, signal: null })
  })

  it('keeps the generated secret in the config dir across runs; --secret overrides it', async () => {
    const gateway = await gatewayFor()
    const configDir = configDirFor()
    const local = await startVerifyingReceiver(() => 'whsec_unused')
    const secretOf = async (extra: string[]) => {
      const run = listen(['--forward-to', local.url, ...extra], cliEnv(gateway, configDir))
      const line = await run.nextLine(1)
      run.child.kill('SIGINT')
      expect((await run.exited).code).toBe(130)
      return /Signing secret: (\S+)/.exec(line)?.[1]
    }
    const first = await secretOf([])
    expect(first).toMatch(/^whsec_/)
    expect(await secretOf([])).toBe(first)
    expect(await secretOf(['--secret', 'whsec_bXlzZWNyZXRteXNlY3JldG15c2VjcmV0'])).toBe('whsec_bXlzZWNyZXRteXNlY3JldG15c2VjcmV0')
    expect(await secretOf([])).toBe(first)
  })

  it('reports a local server that is down per event and keeps running; --print-response shows the body', async () => {
    const gateway = await gatewayFor()
    const configDir = configDirFor()
    const closed = await startCallbackReceiver()
    const downUrl = `${closed.url}/hook`
    await closed.close()

    const run = listen(['--forward-to', downUrl], cliEnv(gateway, configDir))
    await run.connected()
    const a = await push(gateway, '254700000001')
    await run.waitForLines(1, (l) => l.includes(a) && l.includes('not delivered'))
    const b = await push(gateway, '254700000002')
    const [line] = await run.waitForLines(1, (l) => l.includes(b))
    expect(line).toMatch(/not delivered: ECONNREFUSED/)
    expect(run.child.exitCode).toBeNull()
    run.child.kill('SIGINT')
    expect((await run.exited).code).toBe(130)

    let secret = ''
    const local = await startVerifyingReceiver(() => secret, { status: 202, body: 'queued-by-local' })
    const printing = listen(['--forward-to', local.url, '--print-response'], cliEnv(gateway, configDir))
    secret = /Signing secret: (\S+)/.exec(await printing.nextLine(1))![1]
    await printing.connected()
    const c = await push(gateway, '254700000004')
    const [forwarded] = await printing.waitForLines(1, (l) => l.includes(c))
    expect(forwarded).toMatch(/\[202\] \d+ ms/)
    await printing.waitForLines(1, (l) => l.includes('queued-by-local'))
    expect(local.checked[0].mpgSignatureOk).toBe(true)
  })

  it('refuses a --forward-to that is not a port, host:port or http(s) URL (exit 2) and needs --forward-to', async () => {
    const configDir = configDirFor()
    const env = { MPG_CONFIG_DIR: configDir, MPG_API_KEY: 'mpg_test_x' }
    expect((await runCli(['listen', '--forward-to', 'ftp://localhost:3000'], { env })).exitCode).toBe(2)
    expect((await runCli(['listen', '--forward-to', 'http://'], { env })).exitCode).toBe(2)
    expect((await runCli(['listen'], { env })).exitCode).toBe(2)
  })
})
