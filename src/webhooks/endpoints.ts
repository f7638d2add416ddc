import type { GatewayContext } from '../core/context.js'
import { isoNow } from '../core/clock.js'
import { DomainError, notFound } from '../core/errors.js'
import type { CreatedWebhookEndpoint, CreateWebhookBody, ListDeliveriesQuery, WebhookDelivery, WebhookEndpoint } from '../schemas/webhooks.js'
import type { DeliveryRecord, Mode, WebhookEndpointRecord } from '../store/records.js'
import { newId } from '../utils/ids.js'
import { abandonedAt, logAbandoned } from './abandon.js'
import { seal, sealKeyFor } from './seal.js'
import { enabledAgain } from './endpoint-health.js'
import { generateWebhookSecret } from './signature.js'
import { checkWebhookUrl, type Resolver } from './url-policy.js'

/** Endpoints one account may have per mode. */
export const MAX_ENDPOINTS = 20

export interface Owner {
  accountId: string
  mode: Mode
}

export interface WebhookDeliveryPage {
  data: WebhookDelivery[]
  has_more: boolean
  next_cursor: string | null
}

export function endpointView(e: WebhookEndpointRecord): WebhookEndpoint {
  return { id: e.id, url: e.url, events: e.events, mode: e.mode, created_at: e.created_at, deleted_at: e.deleted_at, disabled_at: e.disabled_at ?? null }
}

export function deliveryView(d: DeliveryRecord): WebhookDelivery {
  return {
    id: d.id,
    event_id: d.event_id,
    endpoint_id: d.endpoint_id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.next_attempt_at,
    created_at: d.created_at,
    updated_at: d.updated_at,
  }
}

const owned = <T extends { account_id: string; mode: Mode }>(record: T | undefined, owner: Owner): record is T =>
  record !== undefined && record.account_id === owner.accountId && record.mode === owner.mode

/** Registers an endpoint; the secret is generated here, returned once and stored sealed. */
export async function createWebhookEndpoint(ctx: GatewayContext, owner: Owner, body: CreateWebhookBody, resolver?: Resolver): Promise<CreatedWebhookEndpoint> {
  const check = await checkWebhookUrl(body.url, owner.mode, { allowPrivate: ctx.config.allowPrivateWebhookUrls }, resolver)
  if (!check.ok) throw new DomainError('invalid', check.error, check.hint, owner.mode === 'live' ? 'live mode' : 'test mode')
  const existing = await ctx.store.listWebhookEndpoints(owner.accountId, owner.mode)
  if (existing.length >= MAX_ENDPOINTS) {
    throw new DomainError('conflict', 'Too many webhook endpoints', `Remove one first (\`mpg webhooks remove <id>\`); an account has at most ${MAX_ENDPOINTS} per mode.`, `${existing.length} endpoints`)
  }
  const secret = generateWebhookSecret()
  const id = newId('we')
  const record: WebhookEndpointRecord = {
    id,
    account_id: owner.accountId,
    mode: owner.mode,
    url: check.url,
    events: body.events,
    sealed_secret: seal(sealKeyFor(ctx.config), secret, id),
    created_at: new Date().toISOString(),
    deleted_at: null,
  }
  await ctx.store.createWebhookEndpoint(record)
  ctx.log.info('webhook.endpoint_created', { endpoint_id: id, mode: owner.mode, events: body.events.length ? body.events.join(',') : 'all' })
  return { ...endpointView(record), secret }
}

export async function listWebhookEndpoints(ctx: GatewayContext, owner: Owner): Promise<WebhookEndpoint[]> {
  return (await ctx.store.listWebhookEndpoints(owner.accountId, owner.mode)).map(endpointView)
}

async function ownEndpoint(ctx: GatewayContext, owner: Owner, id: string): Promise<WebhookEndpointRecord> {
  const endpoint = id.length <= 100 ? await ctx.store.getWebhookEndpoint(id) : undefined
  if (!owned(endpoint, owner)) throw notFound('Webhook endpoint')
  return endpoint
}

/**
 * Deletes an endpoint. Its pending deliveries are failed in the same write, not each when it next
 * comes due (up to the last retry delay later); one whose attempt is in flight is failed by the
 * worker once that attempt is recorded.
 */
export async function deleteWebhookEndpoint(ctx: GatewayContext, owner: Owner, id: string): Promise<WebhookEndpoint> {
  const endpoint = await ownEndpoint(ctx, owner, id)
  if (endpoint.deleted_at) throw notFound('Webhook endpoint')
  const at = isoNow(ctx.clock)
  const deleted = await ctx.store.deleteWebhookEndpoint(id, at, abandonedAt(at))
  if (!deleted) throw notFound('Webhook endpoint')
  ctx.log.info('webhook.endpoint_deleted', { endpoint_id: id, deliveries_failed: deleted.pendingChanged.length })
  logAbandoned(ctx, deleted.pendingChanged, 'endpoint deleted')
  return endpointView(deleted.endpoint)
}

/** Re-enables an endpoint disabled after failing too long; new events are delivered to it again. */
export async function enableWebhookEndpoint(ctx: GatewayContext, owner: Owner, id: string): Promise<WebhookEndpoint> {
  const endpoint = await ownEndpoint(ctx, owner, id)
  if (endpoint.deleted_at) throw notFound('Webhook endpoint')
  const updated = await ctx.store.updateWebhookEndpoint(id, enabledAgain)
  if (updated) ctx.log.info('webhook.endpoint_enabled', { endpoint_id: id })
  return endpointView(updated?.endpoint ?? endpoint)
}

/**
 * One page of an endpoint's deliveries with their attempts, newest first (deleted endpoints keep
 * their log). The cursor is a delivery of this endpoint: an unknown one and one of another
 * endpoint get the same answer, so no id of another account is confirmed.
 */
export async function listEndpointDeliveries(ctx: GatewayContext, owner: Owner, id: string, query: ListDeliveriesQuery): Promise<WebhookDeliveryPage> {
  await ownEndpoint(ctx, owner, id)
  const page = await ctx.store.listEndpointDeliveries({ endpoint_id: id, ...query })
  if (!page) {
    throw new DomainError('invalid', 'Unknown starting_after', 'Use the next_cursor of a previous page, or list without starting_after from the newest.', 'starting_after is not a delivery of this endpoint')
  }
  const data = page.data.map(deliveryView)
  return { data, has_more: page.has_more, next_cursor: page.has_more ? data[data.length - 1].id : null }
}

/** Starts a new round of attempts (with its own retries) for a finished delivery. */
export async function resendDelivery(ctx: GatewayContext, owner: Owner, id: string): Promise<WebhookDelivery> {
  const delivery = id.length <= 100 ? await ctx.store.getDelivery(id) : undefined
  if (!owned(delivery, owner)) throw notFound('Webhook delivery')
  const endpoint = await ctx.store.getWebhookEndpoint(delivery.endpoint_id)
  if (!endpoint || endpoint.deleted_at) {
    throw new DomainError('conflict', 'Webhook endpoint deleted', 'Deliveries of a deleted endpoint cannot be resent; add the endpoint again to receive new events.', '')
  }
  const now = isoNow(ctx.clock)
  let changed = false
  const updated = await ctx.store.updateDelivery(id, (d) => {
    if (d.status === 'pending') return undefined
    changed = true
    return { ...d, status: 'pending', next_attempt_at: now, round_start: d.attempts.length, updated_at: now }
  })
  if (!updated || !changed) {
    throw new DomainError('conflict', 'Delivery already pending', 'It is attempted again on its own at next_attempt_at; resend a delivery once it has succeeded or failed.', `next attempt at ${delivery.next_attempt_at ?? 'now'}`)
  }
  ctx.deliveryWorker?.schedule(updated)
  ctx.log.info('webhook.resend', { delivery_id: id })
  return deliveryView(updated)
}
