import type { SettingsInput } from '../cli/settings.js'
import type { EventType } from '../store/records.js'
import { createdWebhookEndpointSchema, type CreatedWebhookEndpoint } from '../webhooks/schemas.js'
import { connect } from './connect.js'

/** Registers a webhook endpoint; the answer holds its secret, shown this once. */
export async function addWebhookService(flags: SettingsInput['flags'], input: { url: string; events?: EventType[] }): Promise<CreatedWebhookEndpoint> {
  const json = { url: input.url, ...(input.events?.length ? { events: input.events } : {}) }
  return (await connect(flags).call({ method: 'POST', path: '/api/v1/webhooks', json, schema: createdWebhookEndpointSchema, auth: 'key' })).data
}
