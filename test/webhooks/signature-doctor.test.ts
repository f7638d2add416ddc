import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explainWebhookSignature } from '../../src/index.js'
import { startCallbackReceiver, type CallbackReceiver, type ReceivedRequest } from '../helpers/callback-receiver.js'
import { startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { runCli, unwrap } from '../helpers/run-cli.js'
import { addEndpoint } from './helpers.js'

/**
 * `mpg webhooks sign|verify` and `explainWebhookSignature` on a delivery the gateway really sent:
 * each usual receiver mistake is made to the real bytes and headers, and the doctor must name it.
 */
let gateway: TestGateway
let receiver: CallbackReceiver
let delivery: ReceivedRequest
let secret: string
let otherSecret: string
const dir = mkdtempSync(join(tmpdir(), 'mpg-sigdoc-'))

beforeAll(async () => {
  receiver = await startCallbackReceiver()
  gateway = await startTestGateway()
  secret = (await addEndpoint(gateway, `${receiver.url}/hooks`, { events: ['payment.success'] })).secret
  otherSecret = (await addEndpoint(gateway, `${receiver.url}/other`, { events: ['payment.failed'] })).secret
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254708374149' }) })
  expect(res.status).toBe(201)
  ;[delivery] = await receiver.waitFor(1, { filter: (r) => r.path === '/hooks' })
}, 30_000)

afterAll(async () => {
  await receiver?.close()
  await gateway?.close()
  rmSync(dir, { recursive: true, force: true })
})

const write = (name: string, content: string | Buffer) => {
  const file = join(dir, name)
  writeFileSync(file, content)
  return file
}
const headerFlags = (headers: Record<string, string | undefined>) =>
  Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : ['--header', `${name}: ${value}`]))
const signatureHeadersOf = (r: ReceivedRequest) => ({
  'X-Mpesa-Gateway-Signature': r.headers['x-mpesa-gateway-signature'] as string,
  'webhook-id': r.headers['webhook-id'] as string,
  'webhook-timestamp': r.headers['webhook-timestamp'] as string,
  'webhook-signature': r.headers['webhook-signature'] as string,
})

async function verify(body: string | Buffer, headers: Record<string, string | undefined>, extra: string[] = []) {
  const bodyFile = write(`body-${Math.random().toString(36).slice(2)}.json`, body)
  return runCli(['webhooks', 'verify', '--secret', secret, '--body-file', bodyFile, ...headerFlags(headers), ...extra, '--json'])
}

describe('mpg webhooks verify on a real delivery', () => {
  it('says valid for the bytes and headers as received (exit 0)', async () => {
    const result = await verify(delivery.raw, signatureHeadersOf(delivery))
    expect(result.exitCode, result.stderr).toBe(0)
    const out = JSON.parse(result.stdout) as { valid: boolean; verdicts: Array<{ scheme: string; finding: string }> }
    expect(out.valid).toBe(true)
    expect(out.verdicts.map((v) => [v.scheme, v.finding])).toEqual([
      ['x-mpesa-gateway-signature', 'valid'],
      ['webhook-signature', 'valid'],
    ])
  })

  it('names a re-serialised body (same JSON, other bytes), exit 11', async () => {
    const pretty = JSON.stringify(JSON.parse(delivery.text), null, 2)
    const result = await verify(pretty, signatureHeadersOf(delivery))
    expect(result.exitCode).toBe(11)
    const out = JSON.parse(result.stdout) as { valid: boolean; verdicts: Array<{ finding: string; explanation: string }> }
    expect(out.valid).toBe(false)
    expect(out.verdicts.map((v) => v.finding)).toEqual(['reserialised_body', 'reserialised_body'])
    expect(out.verdicts[0].explanation).toMatch(/re-serialised/)
  })

  it('names a trailing newline added to the body, in words without --json', async () => {
    const bodyFile = write('newline.json', `${delivery.text}\n`)
    const result = await runCli(['webhooks', 'verify', '--secret', secret, '--body-file', bodyFile, ...headerFlags({ 'X-Mpesa-Gateway-Signature': signatureHeadersOf(delivery)['X-Mpesa-Gateway-Signature'] })])
    expect(result.exitCode).toBe(11)
    expect(unwrap(result.stdout)).toMatch(/INVALID x-mpesa-gateway-signature: The body has a trailing newline/)
  })

  it('names another endpoint\'s secret when it is given as --other-secret', async () => {
    const bodyFile = write('other.json', delivery.raw)
    const result = await runCli([
      'webhooks', 'verify', '--secret', otherSecret, '--other-secret', secret, '--body-file', bodyFile, ...headerFlags(signatureHeadersOf(delivery)), '--json',
    ])
    expect(result.exitCode).toBe(11)
    const out = JSON.parse(result.stdout) as { verdicts: Array<{ finding: string }> }
    expect(out.verdicts.map((v) => v.finding)).toEqual(['secret_of_another_endpoint', 'secret_of_another_endpoint'])
  })

  it('names a stale timestamp (a replay): right signature, outside the tolerance', async () => {
    // Re-signed with the delivery's own secret an hour in the past, as a replayed delivery would be.
    const old = Math.floor(Date.now() / 1000) - 3600
    const signed = await runCli(['webhooks', 'sign', '--secret', secret, '--body-file', write('replay.json', delivery.raw), '--id', 'evt_replay', '--timestamp', String(old), '--json'])
    expect(signed.exitCode, signed.stderr).toBe(0)
    const headers = JSON.parse(signed.stdout) as Record<string, string>
    const result = await verify(delivery.raw, { 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'], 'webhook-signature': headers['webhook-signature'] })
    expect(result.exitCode).toBe(11)
    const out = JSON.parse(result.stdout) as { verdicts: Array<{ finding: string; explanation: string }> }
    expect(out.verdicts[0].finding).toBe('timestamp_outside_tolerance')
    expect(out.verdicts[0].explanation).toMatch(/36\d\d s old/)
  })

  it('reads a whole saved request (headers, blank line, body) from --headers-file', async () => {
    const saved = [
      'POST /hooks HTTP/1.1',
      ...Object.entries(signatureHeadersOf(delivery)).map(([k, v]) => `${k}: ${v}`),
      'Content-Type: application/json',
      '',
      delivery.text,
    ].join('\r\n')
    const result = await runCli(['webhooks', 'verify', '--secret', secret, '--headers-file', write('request.txt', saved), '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect((JSON.parse(result.stdout) as { valid: boolean }).valid).toBe(true)
  })

  it('unusable input exits 2 with a next step: no headers, an unreadable body file', async () => {
    const noHeaders = await runCli(['webhooks', 'verify', '--secret', secret, '--body-file', write('b.json', delivery.raw)])
    expect(noHeaders.exitCode).toBe(2)
    expect(unwrap(noHeaders.stderr)).toMatch(/No signature headers given\. Pass --header/)
    const missing = await runCli(['webhooks', 'verify', '--secret', secret, '--body-file', join(dir, 'nope.json'), '--header', 'X-Mpesa-Gateway-Signature: 00'])
    expect(missing.exitCode).toBe(2)
    expect(unwrap(missing.stderr)).toMatch(/Cannot read the body file .*nope\.json \(ENOENT\)\. Pass an existing file to the --body-file flag/)
  })
})

describe('mpg webhooks sign', () => {
  it('prints headers that the gateway\'s own verifier and the Standard Webhooks library accept', async () => {
    const body = JSON.stringify({ id: 'evt_hand', event: 'payment.failed', created_at: new Date().toISOString(), data: { amount: 5 } })
    const result = await runCli(['webhooks', 'sign', '--secret', secret, '--body-file', write('hand.json', body), '--id', 'evt_hand'])
    expect(result.exitCode, result.stderr).toBe(0)
    const headers = Object.fromEntries(result.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
    expect(headers['x-mpesa-gateway-event']).toBe('payment.failed')
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
    expect(explainWebhookSignature({ rawBody: body, headers, secret }).valid).toBe(true)
  })
})

describe('explainWebhookSignature (SDK)', () => {
  const received = () => ({ rawBody: delivery.raw, headers: delivery.headers as Record<string, string>, secret })

  it('upper-case hex is valid but named, since a string comparison would refuse it', () => {
    const { headers } = received()
    const out = explainWebhookSignature({ ...received(), headers: { 'x-mpesa-gateway-signature': headers['x-mpesa-gateway-signature'].toUpperCase() } })
    expect(out.verdicts[0]).toMatchObject({ valid: true, finding: 'uppercase_hex' })
  })

  it('the secret without its whsec_ prefix, a Standard value in the wrong header, a wrong secret', () => {
    const { headers } = received()
    const bare = secret.slice('whsec_'.length)
    expect(explainWebhookSignature({ ...received(), secret: bare, headers: { 'x-mpesa-gateway-signature': headers['x-mpesa-gateway-signature'] } }).verdicts[0].finding).toBe('secret_without_prefix')
    expect(explainWebhookSignature({ ...received(), headers: { 'x-mpesa-gateway-signature': headers['webhook-signature'] } }).verdicts[0].finding).toBe('malformed_header')
    expect(explainWebhookSignature({ ...received(), secret: otherSecret }).verdicts.map((v) => v.finding)).toEqual(['wrong_secret_or_body', 'wrong_secret_or_body'])
  })

  it('Standard Webhooks headers without webhook-id are named missing, not wrong', () => {
    const { headers } = received()
    const out = explainWebhookSignature({ ...received(), headers: { 'webhook-signature': headers['webhook-signature'], 'webhook-timestamp': headers['webhook-timestamp'] } })
    expect(out.verdicts[0]).toMatchObject({ scheme: 'webhook-signature', valid: false, finding: 'missing_header' })
  })
})
