import type { SettingsInput } from '../cli/settings.js'
import { webhooks } from '../client/webhooks.js'
import { connect } from './connect.js'

export const listWebhooksService = (flags: SettingsInput['flags']) => webhooks.list(connect(flags))
