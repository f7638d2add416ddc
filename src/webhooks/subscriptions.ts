import type { EventRecord, WebhookEndpointRecord } from '../store/records.js'

/**
 * Which endpoints get a delivery of an event: the live (not deleted, not disabled) endpoints of the event's account and mode
 * that subscribed to its type (an endpoint with no list of types gets every type). The stores
 * apply it when they store an event (see DeliveryRule in src/store/store.ts).
 */
export function deliversTo(endpoint: WebhookEndpointRecord, event: EventRecord): boolean {
  if (endpoint.deleted_at || endpoint.disabled_at || endpoint.account_id !== event.account_id || endpoint.mode !== event.mode) return false
  return endpoint.events.length === 0 || endpoint.events.includes(event.event)
}
