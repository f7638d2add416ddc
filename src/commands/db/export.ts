import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { databaseUrlFlag } from '../../cli/flags.js'
import { exportFromDatabase, type TransferCounts } from '../../services/database.js'

export default class DbExport extends BaseCommand<typeof DbExport> {
  static summary = 'Copy PostgreSQL\'s gateway data into a lowdb data dir (one consistent snapshot).'
  static description =
    'Refuses a data dir that already holds a store unless --force. With MPG_SEAL_KEY set it is written to <data-dir>/seal-key (0600) if none is there, so the lowdb gateway can read the sealed webhook secrets.'
  static examples = ['<%= config.bin %> db export --data-dir ./backup --database-url postgres://mpg@db.example.com/mpg']

  static flags = {
    'database-url': databaseUrlFlag,
    'data-dir': Flags.string({ summary: 'The lowdb data dir to write (env MPG_DATA_DIR; default ./.mpg).', env: 'MPG_DATA_DIR', default: '.mpg' }),
    force: Flags.boolean({ summary: 'Replace the data dir\'s store.' }),
  }

  async run(): Promise<{ exported: TransferCounts }> {
    const dataDir = this.flags['data-dir']
    const exported = await exportFromDatabase(this.flags['database-url'], dataDir, this.flags.force)
    this.log(`Exported ${Object.entries(exported).map(([c, n]) => `${n} ${c.replace('_', ' ')}`).join(', ')} to ${dataDir}.`)
    return { exported }
  }
}
