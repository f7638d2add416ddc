import { z } from 'zod'
import type { SettingsInput } from '../cli/settings.js'
import { webhookEndpointSchema, type WebhookEndpoint } from '../webhooks/schemas.js'
import { connect } from './connect.js'

/** The webhook endpoints of the key's account and mode (secrets are never listed). */
export async function listWebhooksService(flags: SettingsInput['flags']): Promise<WebhookEndpoint[]> {
  const schema = z.object({ data: z.array(webhookEndpointSchema) })
  return (await connect(flags).call({ method: 'GET', path: '/api/v1/webhooks', schema, auth: 'key' })).data.data
}
