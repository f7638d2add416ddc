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

export interface DeliveriesQuery {
  endpointId: string
  status?: WebhookDelivery['status']
  limit?: number
  /** A delivery id: the page after it (the previous page's next_cursor). */
  startingAfter?: string
}

const webhookDeliveryPageSchema = z.object({ data: z.array(webhookDeliverySchema), has_more: z.boolean(), next_cursor: z.string().nullable() })
export type WebhookDeliveryPage = z.infer<typeof webhookDeliveryPageSchema>

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

  /** One page of an endpoint's deliveries with every attempt, newest first; `next_cursor` is the `startingAfter` of the next page. */
  async deliveriesPage(client: GatewayClient, input: DeliveriesQuery): Promise<WebhookDeliveryPage> {
    const params = new URLSearchParams()
    if (input.status) params.set('status', input.status)
    if (input.limit !== undefined) params.set('limit', String(input.limit))
    if (input.startingAfter !== undefined) params.set('starting_after', input.startingAfter)
    const path = `/api/v1/webhooks/${encodeURIComponent(input.endpointId)}/deliveries${params.size ? `?${params}` : ''}`
    return (await client.call({ method: 'GET', path, schema: webhookDeliveryPageSchema, auth: 'key' })).data
  },

  /** An endpoint's deliveries with every attempt, newest first: one page's deliveries (see deliveriesPage). */
  async deliveries(client: GatewayClient, input: DeliveriesQuery): Promise<WebhookDelivery[]> {
    return (await webhooks.deliveriesPage(client, input)).data
  },

  /** Queues a finished delivery for another round of attempts. */
  async resend(client: GatewayClient, deliveryId: string): Promise<WebhookDelivery> {
    const path = `/api/v1/webhook-deliveries/${encodeURIComponent(deliveryId)}/resend`
    return (await client.call({ method: 'POST', path, schema: webhookDeliverySchema, auth: 'key' })).data
  },
}
