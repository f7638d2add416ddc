import type { SettingsInput } from '../cli/settings.js'
import { webhooks } from '../client/webhooks.js'
import { connect } from './connect.js'

export const resendDeliveryService = (flags: SettingsInput['flags'], deliveryId: string) => webhooks.resend(connect(flags), deliveryId)
