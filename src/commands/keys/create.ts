import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { createKeyService } from '../../services/create-key.js'

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
    const key = await createKeyService(this.flags, { account: this.flags.account, mode: this.flags.mode as 'test' | 'live', name: this.flags.name })
    this.log(`Created ${key.id} (${key.mode}) for ${key.account_id}:`)
    this.log(`  ${key.key}`)
    this.log('This key is shown once: store it in a secret manager (e.g. export MPG_API_KEY=…).')
    return key
  }
}
