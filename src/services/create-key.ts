import { admin } from '../client/admin.js'
import type { SettingsInput } from '../cli/settings.js'
import { connect } from './connect.js'

export async function createKeyService(flags: SettingsInput['flags'], input: { account: string; mode: 'test' | 'live'; name?: string }) {
  const created = await admin.createKey(connect(flags), { account_id: input.account, mode: input.mode, name: input.name })
  return { id: created.id, key: created.key, mode: created.mode, account_id: created.account_id, name: created.name, prefix: created.prefix }
}
