import { admin } from '../client/admin.js'
import type { SettingsInput } from '../cli/settings.js'
import { connect } from './connect.js'

export async function settlePayoutService(flags: SettingsInput['flags'], transactionId: string) {
  return admin.settlePayout(connect(flags), transactionId)
}
