import type { GatewayContext } from '../core/context.js'
import type { DeliveryRecord } from '../store/records.js'

/**
 * A pending delivery failed without a further attempt (its endpoint is disabled or deleted, or its
 * event is gone), its attempts kept; undefined when it is no longer pending.
 */
export function abandonedAt(at: string): (d: DeliveryRecord) => DeliveryRecord | undefined {
  return (d) => (d.status === 'pending' ? { ...d, status: 'failed', next_attempt_at: null, updated_at: at } : undefined)
}

/** One `webhook.abandoned` line per delivery failed because its endpoint was disabled or deleted. */
export function logAbandoned(ctx: GatewayContext, deliveries: readonly DeliveryRecord[], reason: 'endpoint disabled' | 'endpoint deleted'): void {
  for (const d of deliveries) ctx.log.info('webhook.abandoned', { delivery_id: d.id, reason })
}
