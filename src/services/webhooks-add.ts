import type { SettingsInput } from '../cli/settings.js'
import { webhooks } from '../client/webhooks.js'
import type { EventType } from '../schemas/webhooks.js'
import { connect } from './connect.js'

export const addWebhookService = (flags: SettingsInput['flags'], input: { url: string; events?: EventType[] }) => webhooks.create(connect(flags), input)
