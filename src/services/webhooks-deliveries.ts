import type { SettingsInput } from '../cli/settings.js'
import { webhooks } from '../client/webhooks.js'
import type { WebhookDelivery } from '../schemas/webhooks.js'
import { connect } from './connect.js'

export const listDeliveriesService = (flags: SettingsInput['flags'], input: { endpointId: string; status?: WebhookDelivery['status']; limit?: number }) =>
  webhooks.deliveries(connect(flags), input)
