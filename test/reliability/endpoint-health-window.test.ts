import { afterEach, describe, expect, it } from 'vitest'
import { StorageError } from '../../src/store/errors.js'
import type { Store } from '../../src/store/store.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint } from '../webhooks/helpers.js'

let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined
afterEach(async () => {
  await gw?.close()
  await receiver?.close()
  gw = receiver = undefined
})

/** Fails the next endpoint update as a database that stops answering does; resolves once it has. */
function failNextEndpointUpdate(store: Store): Promise<void> {
  const real = store.updateWebhookEndpoint.bind(store)
  return new Promise((resolve) => {
    store.updateWebhookEndpoint = async (...args) => {
      store.updateWebhookEndpoint = real
      resolve()
      throw new StorageError('unavailable', 'The database does not answer (a test failed this write); nothing was changed.', 'Retry once it answers.')
    }
  })
}

// A delivery's attempt is recorded first, the endpoint's health (failing_since) after it, in a
// write of its own: a crash or a failed write between the two leaves the health as it was.
describe("an endpoint's health when the write after a delivery's record fails", () => {
  it('a success whose clearing of failing_since was not stored does not count as failing since before it: one later failure does not disable the endpoint', async () => {
    receiver = await startCallbackReceiver()
    receiver.answerWith({ status: 500, body: 'down' })
    gw = await startTestGateway({ env: { MPG_WEBHOOK_DISABLE_AFTER_S: '1', MPG_WEBHOOK_RETRY_DELAYS_MS: '100,100,100,100,100,100,100,100' } })
    const store = gw.context.store
    const endpoint = await addEndpoint(gw, `${receiver.url}/hook`, { events: ['payment.success'] })
    const pay = async (reference: string) => expect((await gw!.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference }) })).status).toBe(201)

    // Failing since the first attempt of A's payment.success.
    await pay('A')
    const since = (await waitFor(async () => (await store.getWebhookEndpoint(endpoint.id))?.failing_since, { what: 'failing_since to be set' }))!
    // The receiver is back: A's next attempt succeeds, and the write that ends failing_since fails.
    const failed = failNextEndpointUpdate(store)
    receiver.answerWith({ status: 200 })
    await failed
    expect(receiver.received().length).toBeGreaterThanOrEqual(2)

    // Past MPG_WEBHOOK_DISABLE_AFTER_S from `since`, B's payment.success fails once.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(since) + 1200 - Date.now())))
    receiver.answerWith({ status: 500, body: 'blip' })
    const before = receiver.received().length
    await pay('B')
    await receiver.waitFor(before + 1)
    // Its attempt recorded and judged: the endpoint is either disabled or failing from a new time.
    const after = await waitFor(
      async () => {
        const e = await store.getWebhookEndpoint(endpoint.id)
        return e && (e.disabled_at || e.failing_since !== since) ? e : undefined
      },
      { what: "the endpoint's health after B's failed attempt" },
    )
    const listed = ((await (await gw.api('/api/v1/webhooks')).json()) as { data: Array<{ id: string; disabled_at: string | null }> }).data
    expect(listed.find((e) => e.id === endpoint.id)?.disabled_at).toBeNull()
    expect(Date.parse(after.failing_since!)).toBeGreaterThan(Date.parse(since) + 1000)
  })
})
