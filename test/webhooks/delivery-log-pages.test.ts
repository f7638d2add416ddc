import { afterEach, describe, expect, it } from 'vitest'
import type { DeliveryRecord } from '../../src/store/records.js'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint, createAccountWithKey, type DeliveryView } from './helpers.js'

let gw: TestGateway | undefined

afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
})

interface Page {
  data: DeliveryView[]
  has_more: boolean
  next_cursor: string | null
}

/** Deliveries stored straight into the gateway's store (no receiver needed to page a log), oldest first. */
async function storeDeliveries(gateway: TestGateway, endpointId: string, statuses: DeliveryRecord['status'][]): Promise<string[]> {
  const endpoint = (await gateway.context.store.getWebhookEndpoint(endpointId))!
  const at = new Date().toISOString()
  const ids: string[] = []
  for (const [i, status] of statuses.entries()) {
    const id = `wd_${endpointId}_${i}`
    await gateway.context.store.createDelivery({
      id,
      event_id: `evt_${endpointId}_${i}`,
      endpoint_id: endpointId,
      account_id: endpoint.account_id,
      mode: endpoint.mode,
      event: 'payment.success',
      status,
      attempts: [],
      next_attempt_at: status === 'pending' ? '2999-01-01T00:00:00.000Z' : null,
      created_at: at,
      updated_at: at,
    })
    ids.push(id)
  }
  return ids
}

describe('GET /api/v1/webhooks/:id/deliveries pages', () => {
  it('newest first, from next_cursor, with has_more; by status; a cursor of another endpoint or account is refused', async () => {
    gw = await startTestGateway()
    const mine = await addEndpoint(gw, 'http://127.0.0.1:9/mine')
    const sibling = await addEndpoint(gw, 'http://127.0.0.1:9/sibling')
    const made = await storeDeliveries(gw, mine.id, ['failed', 'succeeded', 'failed', 'succeeded', 'failed'])
    const [siblingDelivery] = await storeDeliveries(gw, sibling.id, ['failed'])
    const get = async (query: string, auth?: string) => {
      const res = await gw!.api(`/api/v1/webhooks/${mine.id}/deliveries${query}`, { auth })
      return { status: res.status, body: (await res.json()) as Page & { error?: string } }
    }
    const ids = (page: Page) => page.data.map((d) => d.id)

    const first = (await get('?limit=2')).body
    expect(ids(first)).toEqual([made[4], made[3]])
    expect(first).toMatchObject({ has_more: true, next_cursor: made[3] })
    const second = (await get(`?limit=2&starting_after=${first.next_cursor}`)).body
    expect(ids(second)).toEqual([made[2], made[1]])
    const last = (await get(`?limit=2&starting_after=${second.next_cursor}`)).body
    expect(ids(last)).toEqual([made[0]])
    expect(last).toMatchObject({ has_more: false, next_cursor: null })
    // The default page (50) holds them all, as before pages: no cursor needed.
    expect((await get('')).body).toMatchObject({ has_more: false, next_cursor: null })
    expect(ids((await get('')).body)).toEqual([...made].reverse())

    const failed = (await get('?status=failed&limit=2')).body
    expect(ids(failed)).toEqual([made[4], made[2]])
    expect(ids((await get(`?status=failed&limit=2&starting_after=${failed.next_cursor}`)).body)).toEqual([made[0]])

    // A delivery of another endpoint, the account's own or another account's, answers exactly as an unknown id.
    const other = await createAccountWithKey(gw, 'Other', { type: 'mpesa', phone: '254712345678' })
    const theirs = await addEndpoint(gw, 'http://127.0.0.1:9/theirs', { auth: other.key })
    const [theirDelivery] = await storeDeliveries(gw, theirs.id, ['failed'])
    const unknown = await get('?starting_after=wd_missing&status=failed')
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toBe('Unknown starting_after')
    for (const cursor of [siblingDelivery, theirDelivery]) expect(await get(`?starting_after=${cursor}&status=failed`), cursor).toEqual(unknown)
    expect((await get(`?starting_after=${'x'.repeat(101)}`)).status).toBe(400)
    // Another account's key: the endpoint is not found, whatever the cursor.
    expect((await get(`?starting_after=${made[3]}`, other.key)).status).toBe(404)
  })
})
