import { createHmac } from 'node:crypto'
import type { ReceivedRequest } from '../helpers/callback-receiver.js'
import { waitFor, type TestGateway } from '../helpers/gateway.js'

/**
 * The seed's verification snippet (gateway-api.txt), verbatim inside a handler shaped like the
 * Express one it was written for: `crypto` is node:crypto, `rawBody` the bytes as received.
 */
export function seedSnippetAccepts(endpointSecret: string, r: ReceivedRequest): boolean {
  const crypto = { createHmac }
  const rawBody = r.raw
  const req = { headers: r.headers }
  let status = 200
  const res = { status: (code: number) => ((status = code), { end: () => undefined }) }
  const handler = () => {
    const expected = crypto
    .createHmac("sha256", endpointSecret)
    .update(rawBody) // the raw request body, not parsed JSON
    .digest("hex");
    if (expected !== req.headers["x-mpesa-gateway-signature"]) {
    return res.status(401).end();
    }
  }
  handler()
  return status === 200
}

export interface Endpoint {
  id: string
  url: string
  events: string[]
  mode: string
  secret: string
  created_at: string
  deleted_at: string | null
}

export async function addEndpoint(gateway: TestGateway, url: string, options: { events?: string[]; auth?: string } = {}): Promise<Endpoint> {
  const res = await gateway.api('/api/v1/webhooks', { method: 'POST', json: { url, ...(options.events ? { events: options.events } : {}) }, auth: options.auth })
  if (res.status !== 201) throw new Error(`POST /api/v1/webhooks answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as Endpoint
}

/** An account with its own test key. */
export async function createAccountWithKey(gateway: TestGateway, name: string, payoutAccount: Record<string, string>): Promise<{ accountId: string; key: string }> {
  const account = await gateway.admin('/api/v1/admin/accounts', { method: 'POST', json: { name, payout_account: payoutAccount } })
  if (account.status !== 201) throw new Error(`create account: ${account.status} ${await account.text()}`)
  const { id } = (await account.json()) as { id: string }
  const key = await gateway.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: id, mode: 'test' } })
  if (key.status !== 201) throw new Error(`create key: ${key.status} ${await key.text()}`)
  return { accountId: id, key: ((await key.json()) as { key: string }).key }
}

export interface DeliveryView {
  id: string
  event_id: string
  endpoint_id: string
  event: string
  status: 'pending' | 'succeeded' | 'failed'
  attempts: Array<{ at: string; status_code: number | null; duration_ms: number; error: string | null; response_body: string | null }>
  next_attempt_at: string | null
}

export async function listDeliveries(gateway: TestGateway, endpointId: string, auth?: string): Promise<DeliveryView[]> {
  const res = await gateway.api(`/api/v1/webhooks/${endpointId}/deliveries`, { auth })
  if (res.status !== 200) throw new Error(`deliveries: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { data: DeliveryView[] }).data
}

export const bodyOf = (r: ReceivedRequest) => r.json as { id: string; event: string; created_at: string; data: Record<string, unknown> }

export interface TimelineEvent {
  id: string
  event: string
  deliveries: DeliveryView[]
}

/**
 * A transaction's events as the API lists them, once none of their deliveries is pending: from
 * then on no attempt for them is still to come, so what a receiver got is all it will get.
 */
export async function finishedTimeline(gateway: TestGateway, transactionId: string, auth?: string): Promise<TimelineEvent[]> {
  return waitFor(
    async () => {
      const res = await gateway.api(`/api/v1/transactions/${transactionId}/events`, { auth })
      if (res.status !== 200) throw new Error(`events: ${res.status} ${await res.text()}`)
      const { data } = (await res.json()) as { data: TimelineEvent[] }
      return data.every((e) => e.deliveries.every((d) => d.status !== 'pending')) ? data : undefined
    },
    { timeoutMs: 10_000, what: `every delivery of ${transactionId} finished` },
  )
}
