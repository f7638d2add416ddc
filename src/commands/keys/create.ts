import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { admin } from '../../client/admin.js'

export default class KeysCreate extends BaseCommand<typeof KeysCreate> {
  static summary = 'Create an API key for an account (shown once).'
  static examples = ['<%= config.bin %> keys create --account acct_123 --mode test', '<%= config.bin %> keys create --account acct_123 --mode live --name server --json']

  static flags = {
    ...adminFlags,
    account: Flags.string({ summary: 'Account id (acct_…).', required: true }),
    mode: Flags.string({ summary: 'test (emulator/sandbox) or live (production).', options: ['test', 'live'], required: true }),
    name: Flags.string({ summary: 'A name to recognise the key by.' }),
  }

  async run() {
    const created = await admin.createKey(await this.client(), { account_id: this.flags.account, mode: this.flags.mode as 'test' | 'live', name: this.flags.name })
    const key = { id: created.id, key: created.key, mode: created.mode, account_id: created.account_id, name: created.name, prefix: created.prefix }
    this.log(`Created ${key.id} (${key.mode}) for ${key.account_id}:`)
    this.log(`  ${key.key}`)
    this.log('This key is shown once: store it in a secret manager (e.g. export MPG_API_KEY=…).')
    return key
  }
}
