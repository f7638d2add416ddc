import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhookSignature } from '../../src/index.js'
import { generateWebhookSecret } from '../../src/webhooks/signature.js'
import { runCli, unwrap } from '../helpers/run-cli.js'

/**
 * `mpg webhooks test` against real receivers, one correct and one per classic mistake: each
 * mistaken receiver must fail exactly the case that catches its mistake, with the reason.
 */
type Handler = (raw: Buffer, req: IncomingMessage, res: ServerResponse) => void
const secret = generateWebhookSecret()
const servers: Server[] = []

async function receiver(handle: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handle(Buffer.concat(chunks), req, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`
}

const answer = (res: ServerResponse, status: number, processed?: boolean) => {
  if (processed !== undefined) res.setHeader('x-webhook-processed', String(processed))
  res.writeHead(status).end()
}

/** Verifies the Standard Webhooks headers (timestamp tolerance included) on the raw bytes, and dedupes. */
function correct(options: { dedupe?: boolean; echo?: boolean } = {}): Handler {
  const seen = new Set<string>()
  return (raw, req, res) => {
    try {
      new Webhook(secret).verify(raw.toString('utf8'), req.headers as Record<string, string>)
      verifyWebhookSignature({ rawBody: raw, signature: req.headers['x-mpesa-gateway-signature'], secret })
    } catch {
      return answer(res, 401)
    }
    const id = String(req.headers['webhook-id'])
    const fresh = options.dedupe === false || !seen.has(id)
    seen.add(id)
    answer(res, 200, options.echo === false ? undefined : fresh)
  }
}

/** The classic mistake: verify a body that was parsed and printed again (it dedupes correctly). */
const reserialisingSeen = new Set<string>()
const reserialising: Handler = (raw, req, res) => {
  try {
    verifyWebhookSignature({ rawBody: JSON.stringify(JSON.parse(raw.toString('utf8'))), signature: req.headers['x-mpesa-gateway-signature'], secret })
  } catch {
    return answer(res, 401)
  }
  const id = String(req.headers['webhook-id'])
  answer(res, 200, !reserialisingSeen.has(id))
  reserialisingSeen.add(id)
}

/** Verifies only X-Mpesa-Gateway-Signature (no timestamp in it): a replay passes. */
const timestampsSeen = new Set<string>()
const ignoresTimestamps: Handler = (raw, req, res) => {
  const seen = timestampsSeen
  try {
    verifyWebhookSignature({ rawBody: raw, signature: req.headers['x-mpesa-gateway-signature'], secret })
  } catch {
    return answer(res, 401)
  }
  const id = String(req.headers['webhook-id'])
  answer(res, 200, !seen.has(id))
  seen.add(id)
}

let urls: Record<'correct' | 'reserialising' | 'timestamps' | 'duplicates' | 'silent' | 'slowOrDown', string>

beforeAll(async () => {
  urls = {
    correct: await receiver(correct()),
    reserialising: await receiver(reserialising),
    timestamps: await receiver(ignoresTimestamps),
    duplicates: await receiver(correct({ dedupe: false })),
    silent: await receiver(correct({ echo: false })),
    slowOrDown: await receiver((_raw, _req, res) => answer(res, 500)),
  }
})

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

interface Report {
  passed: number
  failed: number
  unknown: number
  cases: Array<{ name: string; outcome: string; detail: string; status: number | null }>
}

async function run(url: string) {
  const result = await runCli(['webhooks', 'test', url, '--secret', secret, '--json'], { timeoutMs: 60_000 })
  return { ...result, report: JSON.parse(result.stdout) as Report }
}
const failedCases = (r: Report) => r.cases.filter((c) => c.outcome === 'fail').map((c) => c.name)

describe('mpg webhooks test', () => {
  it('a receiver that verifies the raw body, the timestamp and dedupes passes every case (exit 0)', async () => {
    const { exitCode, report, stderr } = await run(urls.correct)
    expect(exitCode, stderr).toBe(0)
    expect(report.failed).toBe(0)
    expect(report.unknown).toBe(0)
    expect(report.cases.map((c) => c.name)).toEqual([
      'valid delivery',
      'bad signature',
      're-serialised body',
      'stale timestamp',
      'duplicate webhook-id',
      'event payment.success',
      'event payment.failed',
      'event payout.success',
      'event payout.failed',
      'event payout.pending_manual',
      'acknowledges in time',
    ])
  })

  it('a receiver that verifies a re-serialised body fails that case, with the reason (exit 12)', async () => {
    const { exitCode, report } = await run(urls.reserialising)
    expect(exitCode).toBe(12)
    expect(failedCases(report)).toEqual(['re-serialised body', 'stale timestamp'])
    expect(report.cases.find((c) => c.name === 're-serialised body')?.detail).toMatch(/answered 200 .*verifies something else than the raw body/)
  })

  it('a receiver that ignores timestamps fails the replay case', async () => {
    const { exitCode, report } = await run(urls.timestamps)
    expect(exitCode).toBe(12)
    expect(failedCases(report)).toEqual(['stale timestamp'])
    expect(report.cases.find((c) => c.name === 'stale timestamp')?.detail).toMatch(/60 min old was accepted: verify webhook-signature/)
  })

  it('a receiver that processes a duplicate webhook-id twice fails the duplicate case', async () => {
    const { exitCode, report } = await run(urls.duplicates)
    expect(exitCode).toBe(12)
    expect(failedCases(report)).toEqual(['duplicate webhook-id'])
    expect(report.cases.find((c) => c.name === 'duplicate webhook-id')?.detail).toMatch(/processed twice/)
  })

  it('without the echo header the duplicate case says it cannot tell (not a failure)', async () => {
    const { exitCode, report } = await run(urls.silent)
    expect(exitCode).toBe(0)
    expect(report.unknown).toBe(1)
    expect(report.cases.find((c) => c.name === 'duplicate webhook-id')).toMatchObject({ outcome: 'unknown' })
  })

  it('a receiver answering 500 fails the genuine deliveries; the text table names each case', async () => {
    const result = await runCli(['webhooks', 'test', urls.slowOrDown, '--secret', secret], { timeoutMs: 60_000 })
    expect(result.exitCode).toBe(12)
    const out = unwrap(result.stdout)
    expect(out).toMatch(/FAIL valid delivery expects 2xx; answered 500/)
    expect(out).toMatch(/FAIL bad signature expects 4xx; answered 500/)
    expect(out).toMatch(/0 of 11 cases passed|1 of 11 cases passed/)
  })

  it('a URL that is not http(s) is a usage error with an example (exit 2); a closed port fails, not crashes', async () => {
    const bad = await runCli(['webhooks', 'test', 'ftp://example.com', '--secret', secret])
    expect(bad.exitCode).toBe(2)
    expect(unwrap(bad.stderr)).toMatch(/is not an http\(s\) URL\. Pass your receiver's URL/)
    const closed = await run('http://127.0.0.1:9/webhooks')
    expect(closed.exitCode).toBe(12)
    expect(closed.report.cases[0].detail).toMatch(/ECONNREFUSED/)
  })
})
