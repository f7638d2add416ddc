import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { admin, GatewayApiError, GatewayClient, MpgError, verifyWebhookSignature, webhooks } from '../../src/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { startCheckingProxy, type CheckingProxy } from '../helpers/openapi-proxy.js'
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway
/** The SDK/snippets talk to the gateway through this: every answer they get is held to the OpenAPI document. */
let checked: CheckingProxy
let receiver: CallbackReceiver
beforeEach(async () => {
  gw = await startTestGateway()
  checked = await startCheckingProxy(gw.url)
  receiver = await startCallbackReceiver()
})
afterEach(async () => {
  await checked.close()
  await gw.close()
  expect(checked.drift).toEqual([])
  await receiver.close()
})

describe('the typed SDK against a real gateway', () => {
  it('admin → key → webhook → STK push → signed delivery → transaction, as a merchant would script it', async () => {
    const operator = new GatewayClient({ baseUrl: checked.url, adminToken: gw.adminToken })
    const account = await admin.createAccount(operator, { name: 'Duka', payout_account: { type: 'mpesa', phone: '0712345678' } })
    expect(account.payout_account).toEqual({ type: 'mpesa', phone: '254712345678' })
    const { key } = await admin.createKey(operator, { account_id: account.id, mode: 'test' })

    const client = new GatewayClient({ baseUrl: checked.url, apiKey: key })
    const endpoint = await webhooks.create(client, { url: `${receiver.url}/hooks`, events: ['payment.success'] })
    expect(endpoint.secret).toMatch(/^whsec_/)
    expect((await webhooks.list(client)).map((e) => e.id)).toEqual([endpoint.id])

    const pushed = await client.stkPush({ amount: 250, phone: '0712345678', reference: 'SDK-1', description: 'Tea' }, { idempotencyKey: 'sdk-1' })
    expect(pushed).toMatchObject({ success: true, status: 'pending', amount: 250, replayed: false })
    const replay = await client.stkPush({ amount: 250, phone: '0712345678', reference: 'SDK-1', description: 'Tea' }, { idempotencyKey: 'sdk-1' })
    expect(replay).toMatchObject({ transaction_id: pushed.transaction_id, replayed: true })

    const [delivery] = await receiver.waitFor(1)
    const rawBody = delivery.raw.toString('utf8')
    const signature = String(delivery.headers['x-mpesa-gateway-signature'])
    expect(verifyWebhookSignature({ rawBody, signature, secret: endpoint.secret })).toBe(true)
    // The same check refuses one changed byte and another endpoint's secret.
    expect(() => verifyWebhookSignature({ rawBody: rawBody.replace('payment.success', 'payment.failed'), signature, secret: endpoint.secret })).toThrow(expect.objectContaining({ code: 'signature_mismatch' }))
    const other = await webhooks.create(client, { url: `${receiver.url}/other` })
    expect(() => verifyWebhookSignature({ rawBody, signature, secret: other.secret })).toThrow(expect.objectContaining({ code: 'signature_mismatch' }))
    expect(JSON.parse(rawBody)).toMatchObject({ event: 'payment.success', data: { transaction_id: pushed.transaction_id } })

    const t = await waitFor(async () => {
      const current = await client.getTransaction(pushed.transaction_id)
      return current.status === 'success' ? current : undefined
    })
    expect(t.mpesa_receipt_number).toMatch(/^[A-Z0-9]{10}$/)
    expect((await client.listTransactions({ status: 'success' })).data.map((x) => x.id)).toEqual([pushed.transaction_id])
    const deliveries = await webhooks.deliveries(client, { endpointId: endpoint.id })
    expect(deliveries[0]).toMatchObject({ status: 'succeeded', event: 'payment.success' })
    const page = await webhooks.deliveriesPage(client, { endpointId: endpoint.id, status: 'succeeded', limit: 1 })
    expect(page).toEqual({ data: [deliveries[0]], has_more: false, next_cursor: null })
    expect(await webhooks.deliveriesPage(client, { endpointId: endpoint.id, startingAfter: deliveries[0].id })).toEqual({ data: [], has_more: false, next_cursor: null })
  })

  it('errors are typed: the API error with its status and hint, an unreachable gateway with a next step', async () => {
    const client = new GatewayClient({ baseUrl: checked.url, apiKey: gw.key })
    const missing = await client.getTransaction('no-such-id').catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(GatewayApiError)
    expect(missing).toMatchObject({ status: 404, kind: 'not_found', body: { error: 'Transaction not found' } })
    const invalid = await client.stkPush({ amount: 1.5, phone: '0712345678', reference: 'R', description: 'D' }).catch((e: unknown) => e)
    expect(invalid).toMatchObject({ status: 400, kind: 'usage' })

    const down = new GatewayClient({ baseUrl: 'http://127.0.0.1:9', apiKey: gw.key, timeoutMs: 2000 })
    const unreachable = await down.getTransaction('x').catch((e: unknown) => e)
    expect(unreachable).toBeInstanceOf(MpgError)
    expect(unreachable).toMatchObject({ kind: 'unreachable', suggestion: expect.stringMatching(/mpg serve/) })
  })
})
