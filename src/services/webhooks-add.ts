import type { SettingsInput } from '../cli/settings.js'
import { webhooks } from '../client/webhooks.js'
import type { EventType } from '../store/records.js'
import { connect } from './connect.js'

export const addWebhookService = (flags: SettingsInput['flags'], input: { url: string; events?: EventType[] }) => webhooks.create(connect(flags), input)
