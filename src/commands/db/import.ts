import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { databaseUrlFlag } from '../../cli/flags.js'
import { importIntoDatabase, type TransferCounts } from '../../services/database.js'

export default class DbImport extends BaseCommand<typeof DbImport> {
  static summary = 'Copy a lowdb data dir (accounts, keys, transactions, idempotency keys, events, endpoints, deliveries) into PostgreSQL.'
  static description =
    'All or nothing, in one transaction; refuses a database that already holds data unless --force. Stop the gateway on the data dir first. Webhook secrets and B2C result URLs depend on the data dir\'s seal key: give every instance MPG_SEAL_KEY with the content of <data-dir>/seal-key, and MPG_ADMIN_TOKEN.'
  static examples = ['<%= config.bin %> db import --data-dir .mpg --database-url postgres://mpg@db.example.com/mpg']

  static flags = {
    'database-url': databaseUrlFlag,
    'data-dir': Flags.string({ summary: 'The lowdb data dir to read (env MPG_DATA_DIR; default ./.mpg).', env: 'MPG_DATA_DIR', default: '.mpg' }),
    force: Flags.boolean({ summary: 'Replace what the database holds.' }),
  }

  async run(): Promise<{ imported: TransferCounts }> {
    const imported = await importIntoDatabase(this.flags['database-url'], this.flags['data-dir'], this.flags.force)
    this.log(`Imported ${Object.entries(imported).map(([c, n]) => `${n} ${c.replace('_', ' ')}`).join(', ')}.`)
    this.log(`Next: set MPG_SEAL_KEY to the content of ${this.flags['data-dir']}/seal-key and MPG_ADMIN_TOKEN on every instance, then mpg serve with DATABASE_URL.`)
    return { imported }
  }
}
