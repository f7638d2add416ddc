import { admin } from '../client/admin.js'
import type { SettingsInput } from '../cli/settings.js'
import { connect } from './connect.js'

export async function revokeKeyService(flags: SettingsInput['flags'], id: string) {
  return admin.revokeKey(connect(flags), id)
}
