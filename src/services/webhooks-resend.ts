import type { SettingsInput } from '../cli/settings.js'
import { webhookDeliverySchema, type WebhookDelivery } from '../webhooks/schemas.js'
import { connect } from './connect.js'

/** Queues a finished delivery for another round of attempts (answered at once, delivered in the background). */
export async function resendDeliveryService(flags: SettingsInput['flags'], deliveryId: string): Promise<WebhookDelivery> {
  const path = `/api/v1/webhook-deliveries/${encodeURIComponent(deliveryId)}/resend`
  return (await connect(flags).call({ method: 'POST', path, schema: webhookDeliverySchema, auth: 'key' })).data
}
