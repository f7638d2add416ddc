import type { SettingsInput } from '../cli/settings.js'
import { webhookEndpointSchema, type WebhookEndpoint } from '../webhooks/schemas.js'
import { connect } from './connect.js'

/** Deletes a webhook endpoint; its pending deliveries are abandoned. */
export async function removeWebhookService(flags: SettingsInput['flags'], id: string): Promise<WebhookEndpoint> {
  const path = `/api/v1/webhooks/${encodeURIComponent(id)}`
  return (await connect(flags).call({ method: 'DELETE', path, schema: webhookEndpointSchema, auth: 'key' })).data
}
