/** Wire shapes of the webhook API (requests validated at the edge; answers for the SDK and CLI). */
import { z } from 'zod'
import { listLimitSchema, startingAfterSchema } from './paging.js'

/** Every event the gateway emits: one per state change of a payment, a payout or a webhook endpoint. */
export const EVENT_TYPES = ['payment.success', 'payment.failed', 'payout.success', 'payout.failed', 'payout.pending_manual', 'webhook_endpoint.disabled'] as const

export type EventType = (typeof EVENT_TYPES)[number]

export const eventTypeSchema = z.enum(EVENT_TYPES, {
  error: `each event must be one of ${EVENT_TYPES.join(', ')}`,
})

export const createWebhookBodySchema = z.object(
  {
    url: z.string({ error: 'url is required and must be a string' }).trim().min(1, 'url must not be blank'),
    events: z
      .array(eventTypeSchema, { error: 'events must be an array of event types' })
      .max(EVENT_TYPES.length * 2, 'events lists too many entries')
      .optional()
      .transform((events) => [...new Set(events ?? [])]),
  },
  { error: 'the body must be a JSON object like {"url": "https://…", "events": ["payment.success"]}' },
)
export type CreateWebhookBody = z.infer<typeof createWebhookBodySchema>

export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  /** Empty means every event. */
  events: z.array(eventTypeSchema),
  mode: z.enum(['test', 'live']),
  created_at: z.string(),
  deleted_at: z.string().nullable(),
  /** Set when the endpoint failed every attempt for too long; re-enable it to get deliveries again. */
  disabled_at: z.string().nullable().optional(),
})
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>

/** The answer of `POST /api/v1/webhooks`: the only time the secret is shown. */
export const createdWebhookEndpointSchema = webhookEndpointSchema.extend({ secret: z.string() })
export type CreatedWebhookEndpoint = z.infer<typeof createdWebhookEndpointSchema>

export const deliveryAttemptSchema = z.object({
  at: z.string(),
  status_code: z.number().nullable(),
  duration_ms: z.number(),
  error: z.string().nullable(),
  response_body: z.string().nullable(),
})

export const webhookDeliverySchema = z.object({
  id: z.string(),
  event_id: z.string(),
  endpoint_id: z.string(),
  event: eventTypeSchema,
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.array(deliveryAttemptSchema),
  next_attempt_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
})
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>

export const listDeliveriesQuerySchema = z
  .object({
    status: z.enum(['pending', 'succeeded', 'failed'], { error: 'status must be pending, succeeded or failed' }).optional(),
    limit: listLimitSchema({ min: 1, max: 100, fallback: 50 }),
    starting_after: startingAfterSchema('delivery').optional(),
  })
  .strict()
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuerySchema>

export const streamQuerySchema = z
  .object({
    events: z
      .string()
      .max(200, 'events is too long')
      .transform((s) => s.split(',').map((part) => part.trim()).filter(Boolean))
      .pipe(z.array(eventTypeSchema))
      .optional(),
    last_event_id: z.string().max(100, 'last_event_id is not an event id').optional(),
  })
  .strict()

/** The body of every webhook delivery and SSE message: `{ id, event, created_at, data }`. */
export const webhookEventSchema = z.object({
  id: z.string().regex(/^evt_/),
  event: eventTypeSchema,
  created_at: z.string(),
  data: z.record(z.string(), z.unknown()),
})
export type WebhookEvent = z.infer<typeof webhookEventSchema>
