import { z } from 'zod'
import {
  createdWebhookEndpointSchema,
  webhookDeliverySchema,
  webhookEndpointSchema,
  type CreatedWebhookEndpoint,
  type EventType,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../schemas/webhooks.js'
import type { GatewayClient } from './gateway-client.js'

/** The webhook half of the gateway API (endpoints and their delivery log), with the API key. */
export const webhooks = {
  /** Registers an endpoint; the answer holds its signing secret, shown this once. */
  async create(client: GatewayClient, input: { url: string; events?: EventType[] }): Promise<CreatedWebhookEndpoint> {
    const json = { url: input.url, ...(input.events?.length ? { events: input.events } : {}) }
    return (await client.call({ method: 'POST', path: '/api/v1/webhooks', json, schema: createdWebhookEndpointSchema, auth: 'key' })).data
  },

  /** The endpoints of the key's account and mode (secrets are never listed). */
  async list(client: GatewayClient): Promise<WebhookEndpoint[]> {
    const schema = z.object({ data: z.array(webhookEndpointSchema) })
    return (await client.call({ method: 'GET', path: '/api/v1/webhooks', schema, auth: 'key' })).data.data
  },

  /** Deletes an endpoint; its pending deliveries are abandoned. */
  async remove(client: GatewayClient, id: string): Promise<WebhookEndpoint> {
    return (await client.call({ method: 'DELETE', path: `/api/v1/webhooks/${encodeURIComponent(id)}`, schema: webhookEndpointSchema, auth: 'key' })).data
  },

  /** Re-enables an endpoint the gateway disabled after it failed every attempt for too long. */
  async enable(client: GatewayClient, id: string): Promise<WebhookEndpoint> {
    return (await client.call({ method: 'POST', path: `/api/v1/webhooks/${encodeURIComponent(id)}/enable`, schema: webhookEndpointSchema, auth: 'key' })).data
  },

  /** An endpoint's deliveries with every attempt, newest first. */
  async deliveries(client: GatewayClient, input: { endpointId: string; status?: WebhookDelivery['status']; limit?: number }): Promise<WebhookDelivery[]> {
    const params = new URLSearchParams()
    if (input.status) params.set('status', input.status)
    if (input.limit !== undefined) params.set('limit', String(input.limit))
    const path = `/api/v1/webhooks/${encodeURIComponent(input.endpointId)}/deliveries${params.size ? `?${params}` : ''}`
    const schema = z.object({ data: z.array(webhookDeliverySchema) })
    return (await client.call({ method: 'GET', path, schema, auth: 'key' })).data.data
  },

  /** Queues a finished delivery for another round of attempts. */
  async resend(client: GatewayClient, deliveryId: string): Promise<WebhookDelivery> {
    const path = `/api/v1/webhook-deliveries/${encodeURIComponent(deliveryId)}/resend`
    return (await client.call({ method: 'POST', path, schema: webhookDeliverySchema, auth: 'key' })).data
  },
}
