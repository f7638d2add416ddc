import type { SettingsInput } from '../cli/settings.js'
import { webhooks } from '../client/webhooks.js'
import { connect } from './connect.js'

export const removeWebhookService = (flags: SettingsInput['flags'], id: string) => webhooks.remove(connect(flags), id)
