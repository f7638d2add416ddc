import { isoNow } from '../core/clock.js'
import type { GatewayContext } from '../core/context.js'
import type { WebhookEndpointRecord } from '../store/records.js'
import { abandonedAt, logAbandoned } from './abandon.js'

/**
 * Tracks whether an endpoint keeps failing: the first failed attempt after a success starts the
 * clock (`failing_since`), a success stops it, and an endpoint whose every attempt failed for
 * `webhookDisableAfterMs` is disabled, with a `webhook_endpoint.disabled` event (stored with the
 * change, delivered to the account's other endpoints and its event stream); its pending deliveries
 * are failed with it. Each write happens
 * only when the state changes, so a dead endpoint costs no write per attempt.
 */
export async function recordEndpointOutcome(ctx: GatewayContext, endpoint: WebhookEndpointRecord, ok: boolean, at: string): Promise<void> {
  if (!outcomeCanChangeHealth(endpoint, ok)) return
  if (ok) {
    await ctx.store.updateWebhookEndpoint(endpoint.id, (e) => (e.failing_since ? { ...e, failing_since: null } : undefined))
    return
  }
  if (endpoint.disabled_at) return
  if (!endpoint.failing_since) {
    await ctx.store.updateWebhookEndpoint(endpoint.id, (e) => (e.failing_since || e.disabled_at ? undefined : { ...e, failing_since: at }))
    return
  }
  if (Date.parse(at) - Date.parse(endpoint.failing_since) < ctx.config.webhookDisableAfterMs) return
  if (await ctx.store.deliverySucceededSince(endpoint.id, endpoint.failing_since)) {
    // A success's clearing of failing_since is a write of its own after the attempt's record: a
    // crash or a failed write between them left the old time. The clock starts again here instead.
    // Asked only when the endpoint would be disabled: once per MPG_WEBHOOK_DISABLE_AFTER_S at most.
    const since = endpoint.failing_since
    await ctx.store.updateWebhookEndpoint(endpoint.id, (e) => (e.failing_since === since && !e.disabled_at ? { ...e, failing_since: at } : undefined))
    return
  }
  const disabledAt = isoNow(ctx.clock)
  const result = await ctx.store.updateWebhookEndpoint(
    endpoint.id,
    // Only if it is still failing: a success recorded meanwhile (another attempt) wins.
    (e) => (e.disabled_at || !e.failing_since ? undefined : { ...e, disabled_at: disabledAt }),
    (e) => [
      {
        event: 'webhook_endpoint.disabled',
        data: {
          id: e.id,
          url: e.url,
          failing_since: e.failing_since,
          disabled_at: e.disabled_at,
          reason: 'every attempt failed since failing_since',
        },
      },
    ],
    // Its pending deliveries are failed in the same write, not each when it next comes due (up to
    // the last retry delay later); one whose attempt is in flight is failed once that is recorded.
    abandonedAt(disabledAt),
  )
  if (!result) return
  ctx.log.warn('webhook.endpoint_disabled', { endpoint_id: endpoint.id, failing_since: result.endpoint.failing_since, deliveries_failed: result.pendingChanged.length })
  logAbandoned(ctx, result.pendingChanged, 'endpoint disabled')
  ctx.bus.publish(result.events)
}

/** Re-enables a disabled endpoint: new events are delivered to it again (and its failure clock restarts). */
export function enabledAgain(e: WebhookEndpointRecord): WebhookEndpointRecord | undefined {
  return e.disabled_at || e.failing_since ? { ...e, disabled_at: null, failing_since: null } : undefined
}

/**
 * Whether an attempt's outcome can change the endpoint's health: a success at an endpoint that is
 * not failing (every delivery but a few) changes nothing, so the delivery worker skips the call.
 */
export function outcomeCanChangeHealth(endpoint: WebhookEndpointRecord, ok: boolean): boolean {
  return !ok || Boolean(endpoint.failing_since)
}
