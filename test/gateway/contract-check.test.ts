import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { H3Event } from 'h3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONTRACT_CHECK_ENV, contractRecorder } from '../../src/gateway/contract-recorder.js'
import { createContractChecker } from '../../src/gateway/openapi/contract.js'
import { readContractViolations } from '../helpers/contract-violations.js'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { document } from '../helpers/openapi-check.js'
import { startContractCheck } from '../setup/contract.js'

type Json = Record<string, unknown>

/** The real document, except that a healthy /health must also carry a field the gateway never sends. */
function driftedDocument(): Json {
  const drifted = structuredClone(document) as Json
  const schemas = (drifted.components as Json).schemas as Record<string, Json>
  schemas.Health = { ...schemas.Health, required: [...((schemas.Health.required as string[]) ?? []), 'uptime_s'] }
  return drifted
}

const eventFor = (method: string, url: string) => ({ req: { method }, url: new URL(url) }) as unknown as H3Event

describe('the response contract check (MPG_CONTRACT_CHECK_FILE)', () => {
  let gw: TestGateway
  let dir: string

  beforeAll(async () => {
    gw = await startTestGateway()
    dir = mkdtempSync(join(tmpdir(), 'mpg-contract-test-'))
  })
  afterAll(async () => {
    await gw?.close()
    if (gw) removeDir(gw.dataDir)
    rmSync(dir, { recursive: true, force: true })
  })

  it('is on in the test run, for every gateway and every process the tests spawn', () => {
    expect(process.env[CONTRACT_CHECK_ENV]).toMatch(/violations\.ndjson$/)
  })

  it('is off, and loads nothing, without the variable', () => {
    expect(contractRecorder('')).toBeUndefined()
  })

  it('records an answer that differs from the document, and the run fails naming it', async () => {
    const file = join(dir, 'drift.ndjson')
    const record = contractRecorder(file, async () => createContractChecker(driftedDocument()))!
    const health = await fetch(`${gw.url}/health`)
    await record(health, eventFor('GET', `${gw.url}/health`))
    // The body is still there for the client: the check read a clone.
    expect((await health.json()).status).toBe('ok')

    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0])).toMatchObject({ method: 'GET', path: '/health', status: 200 })
    expect(JSON.parse(lines[0]).why).toContain("must have required property 'uptime_s'")

    // The same answer held to the real document is fine.
    const real = contractRecorder(join(dir, 'real.ndjson'))!
    await record(await fetch(`${gw.url}/health`), eventFor('GET', `${gw.url}/health`))
    await real(await fetch(`${gw.url}/health`), eventFor('GET', `${gw.url}/health`))
    expect(readContractViolations(join(dir, 'real.ndjson'))).toEqual([])
    expect(readContractViolations(file)).toEqual([expect.stringMatching(/^GET \/health → 200: body does not match the document: .*uptime_s.* \(×2\)$/)])
  })

  it('checks undocumented statuses, headers, media types and unknown routes; skips what the document leaves out on purpose', async () => {
    const checker = createContractChecker(document)
    const answer = (status: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => new Response(body, { status, headers })
    const error = JSON.stringify({ error: 'x', hint: 'y', detail: 'z' })
    expect(await checker.check('GET', '/api/v1/account', answer(418, error))).toMatch(/^status 418 is not documented/)
    expect(await checker.check('GET', '/api/v1/account', answer(401, error, { 'content-type': 'application/json', 'idempotent-replayed': 'true' }))).toMatch(/header idempotent-replayed/)
    expect(await checker.check('GET', '/health', answer(200, '<html>', { 'content-type': 'text/html' }))).toMatch(/answered text\/html/)
    expect(await checker.check('GET', '/api/v1/nothing-here', answer(404, error))).toBeUndefined()
    expect(await checker.check('GET', '/api/v1/nothing-here', answer(404, '{"oops":1}'))).toMatch(/body does not match/)
    expect(await checker.check('GET', '/api/v1/nothing-here', answer(200, '{}'))).toMatch(/describes no such operation/)
    expect(await checker.check('HEAD', '/health', answer(200, '', { 'content-type': 'application/json' }))).toBeUndefined()
    expect(await checker.check('HEAD', '/health', answer(201, '', { 'content-type': 'application/json' }))).toMatch(/^status 201 is not documented/)
    expect(await checker.check('GET', '/dashboard/assets/app.js', answer(200, 'js', { 'content-type': 'text/javascript' }))).toBeUndefined()
    expect(await checker.check('POST', '/api/v1/callbacks/daraja/stk/tok', answer(200, '{"ResultCode":0}'))).toBeUndefined()
  })

  it("the test run's teardown fails on recorded drifts, naming each", async () => {
    const saved = process.env[CONTRACT_CHECK_ENV]
    try {
      const run = startContractCheck()
      expect(process.env[CONTRACT_CHECK_ENV]).toBe(run.file)
      const record = contractRecorder(run.file, async () => createContractChecker(driftedDocument()))!
      await record(await fetch(`${gw.url}/health`), eventFor('GET', `${gw.url}/health`))
      expect(run.finish()).toMatch(/1 thing\(s\)[\s\S]*GET \/health → 200: body does not match the document/)
      expect(startContractCheck().finish()).toBeUndefined()
    } finally {
      process.env[CONTRACT_CHECK_ENV] = saved
    }
  })
})
