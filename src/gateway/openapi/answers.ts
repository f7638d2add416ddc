/**
 * Wire shapes of the answers that had no zod schema of their own yet (the SDK's admin schemas and
 * src/schemas cover the rest). Together they are what the OpenAPI document says the gateway sends,
 * and the tests hold every response to them.
 */
import { z } from 'zod'
import { accountSchema, apiKeySchema, createdApiKeySchema, payoutListSchema } from '../../schemas/admin.js'
import { errorBodySchema, payoutViewSchema, transactionSchema } from '../../schemas/gateway.js'
import { createdWebhookEndpointSchema, eventTypeSchema, webhookDeliverySchema, webhookEndpointSchema, webhookEventSchema } from '../../schemas/webhooks.js'

export { accountSchema, apiKeySchema, createdApiKeySchema, payoutListSchema, errorBodySchema, createdWebhookEndpointSchema, webhookDeliverySchema, webhookEndpointSchema }

const mode = z.enum(['test', 'live'])

/** `GET /health`: 200 when the store answers; 503 with `{error, hint, detail}` beside the status when it does not. */
export const healthSchema = z.object({
  status: z.enum(['ok', 'failed', 'unavailable']),
  daraja_env: z.enum(['emulator', 'sandbox', 'production']),
  emulator_url: z.string().optional(),
  store: z.object({ kind: z.string(), reachable: z.boolean() }),
  error: z.string().optional(),
  hint: z.string().optional(),
  detail: z.string().optional(),
})

/** `GET /api/v1/account`: who the key is. */
export const whoAmISchema = z.object({
  account: z.object({ id: z.string(), name: z.string(), created_at: z.string() }),
  mode,
  key: z.object({ id: z.string(), prefix: z.string(), name: z.string().nullable() }),
})

export const accountListSchema = z.object({ data: z.array(accountSchema) })
export const apiKeyListSchema = z.object({ data: z.array(apiKeySchema) })
export const webhookEndpointListSchema = z.object({ data: z.array(webhookEndpointSchema) })
export const webhookDeliveryListSchema = z.object({ data: z.array(webhookDeliverySchema), has_more: z.boolean(), next_cursor: z.string().nullable() })

/** `GET /api/v1/transactions/:id/events`: each event with its webhook deliveries. */
export const transactionEventListSchema = z.object({
  data: z.array(webhookEventSchema.extend({ deliveries: z.array(webhookDeliverySchema) })),
})

/** The `data` of each event type (the body is `{id, event, created_at, data}`). */
export const eventDataSchemas = {
  'payment.success': transactionSchema.extend({ transaction_id: z.string(), mpesa_receipt: z.string().nullable() }),
  'payment.failed': transactionSchema.extend({ transaction_id: z.string() }),
  'payout.success': payoutDataSchema(),
  'payout.failed': payoutDataSchema(),
  'payout.pending_manual': payoutDataSchema(),
  'webhook_endpoint.disabled': z.object({
    id: z.string(),
    url: z.string(),
    failing_since: z.string().nullable(),
    disabled_at: z.string().nullable(),
    reason: z.string(),
  }),
} satisfies Record<z.infer<typeof eventTypeSchema>, z.ZodType>

function payoutDataSchema() {
  return payoutViewSchema.extend({
    transaction_id: z.string(),
    reference: z.string(),
    amount: z.number(),
    net_amount: z.number(),
    payout: payoutViewSchema.nullable(),
  })
}
