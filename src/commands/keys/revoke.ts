import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { admin } from '../../client/admin.js'

export default class KeysRevoke extends BaseCommand<typeof KeysRevoke> {
  static summary = 'Revoke an API key; requests with it get 401 from then on.'
  static args = { id: Args.string({ description: 'Key id (key_…).', required: true }) }
  static flags = { ...adminFlags }

  async run() {
    const key = await admin.revokeKey(await this.client(), this.args.id)
    this.log(`Revoked ${key.id} (${key.prefix}).`)
    return key
  }
}
