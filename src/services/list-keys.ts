import { admin } from '../client/admin.js'
import type { SettingsInput } from '../cli/settings.js'
import { connect } from './connect.js'

export async function listKeysService(flags: SettingsInput['flags']) {
  return admin.listKeys(connect(flags))
}
