import { z } from 'zod'
import type { SettingsInput } from '../cli/settings.js'
import { webhookDeliverySchema, type WebhookDelivery } from '../webhooks/schemas.js'
import { connect } from './connect.js'

/** An endpoint's deliveries with every attempt, newest first. */
export async function listDeliveriesService(
  flags: SettingsInput['flags'],
  input: { endpointId: string; status?: WebhookDelivery['status']; limit?: number },
): Promise<WebhookDelivery[]> {
  const params = new URLSearchParams()
  if (input.status) params.set('status', input.status)
  if (input.limit !== undefined) params.set('limit', String(input.limit))
  const path = `/api/v1/webhooks/${encodeURIComponent(input.endpointId)}/deliveries${params.size ? `?${params}` : ''}`
  const schema = z.object({ data: z.array(webhookDeliverySchema) })
  return (await connect(flags).call({ method: 'GET', path, schema, auth: 'key' })).data.data
}
