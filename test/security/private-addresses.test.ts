import { afterEach, describe, expect, it } from 'vitest'
import { NetworkError, sendRequest } from '../../src/http/request.js'
import { isPublicAddress } from '../../src/webhooks/url-policy.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint, listDeliveries } from '../webhooks/helpers.js'

let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined
afterEach(async () => {
  await gw?.close()
  await receiver?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
  receiver = undefined
})

/** A gateway whose Daraja is "real" (DARAJA_ENV=sandbox): every tenant holds test keys. */
const sandboxGateway = (env: Record<string, string> = {}) =>
  startTestGateway({
    env: {
      DARAJA_ENV: 'sandbox',
      DARAJA_BASE_URL: 'http://127.0.0.1:9',
      DARAJA_CONSUMER_KEY: 'key',
      DARAJA_CONSUMER_SECRET: 'secret',
      DARAJA_SHORTCODE: '174379',
      DARAJA_PASSKEY: 'passkey',
      PUBLIC_SITE_URL: 'https://pay.example.com',
      ...env,
    },
  })

const create = (gateway: TestGateway, url: string) => gateway.api('/api/v1/webhooks', { method: 'POST', json: { url } })

describe('private addresses with a real Daraja', () => {
  it('test-mode endpoints on loopback, private, link-local or metadata addresses are refused (400), in any spelling', async () => {
    receiver = await startCallbackReceiver()
    gw = await sandboxGateway()
    const port = new URL(receiver.url).port
    for (const url of [
      `http://127.0.0.1:${port}/internal`,
      `http://localhost:${port}/internal`,
      `http://[::1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://[::7f00:1]:${port}/`,
      `http://2130706433:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.7/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
    ]) {
      const res = await create(gw, url)
      expect(res.status, url).toBe(400)
      const body = (await res.json()) as { error: string; hint: string }
      expect(body.error, url).toMatch(/private address/)
      expect(body.hint).toMatch(/MPG_ALLOW_PRIVATE_WEBHOOK_URLS|mpg listen/)
    }
    const { data } = (await (await gw.api('/api/v1/webhooks')).json()) as { data: unknown[] }
    expect(data).toEqual([])
    expect(receiver.received()).toEqual([])
  })

  it('MPG_ALLOW_PRIVATE_WEBHOOK_URLS=1 opts back in', async () => {
    gw = await sandboxGateway({ MPG_ALLOW_PRIVATE_WEBHOOK_URLS: '1' })
    expect((await create(gw, 'http://127.0.0.1:3000/hooks')).status).toBe(201)
  })

  it('an endpoint stored before the policy (or whose DNS changed) is refused at delivery: nothing sent, no response body kept', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 200, body: 'internal admin page' })
    // Emulator mode with the policy turned on explicitly, so a payment can run end to end.
    gw = await startTestGateway({ env: { MPG_ALLOW_PRIVATE_WEBHOOK_URLS: '0' } })
    expect((await create(gw, `${receiver.url}/hook`)).status).toBe(400)
    const account = (await (await gw.admin('/api/v1/admin/accounts')).json()) as { data: Array<{ id: string }> }
    const now = new Date().toISOString()
    await gw.context.store.createWebhookEndpoint({
      id: 'we_stored_before',
      account_id: account.data[0].id,
      mode: 'test',
      url: `${receiver.url}/hook`,
      events: ['payment.success'],
      sealed_secret: (await import('../../src/webhooks/seal.js')).seal((await import('../../src/webhooks/seal.js')).sealKey(gw.dataDir), 'whsec_x', 'we_stored_before'),
      created_at: now,
      deleted_at: null,
    })
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })).status).toBe(201)
    const [delivery] = await waitFor(async () => {
      const list = await listDeliveries(gw!, 'we_stored_before')
      return list.length === 1 && list[0].attempts.length >= 1 ? list : undefined
    }, { what: 'a refused attempt', timeoutMs: 25_000 })
    expect(delivery.attempts[0]).toMatchObject({ status_code: null, response_body: null, error: expect.stringMatching(/^not sent: url points to a private address/) })
    expect(receiver.received()).toEqual([])
  })
})

describe('the connect-time check (the one outbound path)', () => {
  it('resolves the host once and refuses when it resolves to a refused address: nothing reaches the server', async () => {
    receiver = await startCallbackReceiver()
    const port = new URL(receiver.url).port
    const asked: string[] = []
    const onlyPublic = (address: string) => {
      asked.push(address)
      return isPublicAddress(address)
    }
    // `localhost` passes no name check here: only the lookup made for the connection sees 127.0.0.1 / ::1.
    const refused = await sendRequest({ method: 'POST', url: `http://localhost:${port}/x`, body: '{}', timeoutMs: 2000, allowAddress: onlyPublic }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(NetworkError)
    expect(refused).toMatchObject({ code: 'EADDRNOTALLOWED' })
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((a) => !isPublicAddress(a))).toBe(true)

    for (const literal of [`http://127.0.0.1:${port}/x`, `http://[::ffff:127.0.0.1]:${port}/x`]) {
      await expect(sendRequest({ method: 'POST', url: literal, body: '{}', timeoutMs: 2000, allowAddress: onlyPublic })).rejects.toMatchObject({ code: 'EADDRNOTALLOWED' })
    }
    expect(receiver.received()).toEqual([])

    // The same request with an accepting policy arrives: the refusal was the check, not the network.
    const allowAll = () => true
    const ok = await sendRequest({ method: 'POST', url: `http://localhost:${port}/x`, body: '{}', timeoutMs: 2000, allowAddress: allowAll })
    expect(ok.status).toBe(200)
    expect(receiver.received()).toHaveLength(1)
  })
})

describe('what the delivery log keeps', () => {
  it('a redirect keeps no body; other answers keep at most 1 KiB', async () => {
    receiver = await startCallbackReceiver()
    gw = await startTestGateway({ env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '' } })
    const endpoint = await addEndpoint(gw, `${receiver.url}/hook`)
    receiver.answerWith({ status: 302, body: 'the page the redirect points at', headers: { location: 'http://169.254.169.254/' } })
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'redirect' }) })).status).toBe(201)
    const redirected = await waitFor(async () => (await listDeliveries(gw!, endpoint.id)).find((d) => d.attempts.length > 0), { what: 'the redirected attempt' })
    expect(redirected.attempts[0]).toMatchObject({ status_code: 302, response_body: null, error: expect.stringMatching(/redirect not followed/) })

    receiver.answerWith({ status: 200, body: 'x'.repeat(5000) })
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'big' }) })).status).toBe(201)
    const big = await waitFor(async () => (await listDeliveries(gw!, endpoint.id)).find((d) => d.status === 'succeeded'), { what: 'the big answer' })
    expect(big.attempts[0].response_body).toHaveLength(1024)
  })
})
