import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { databaseUrlFlag } from '../../cli/flags.js'
import type { TransferCounts } from '../../store/postgres/transfer.js'

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
    const [{ databaseUrlFrom, withDatabase }, { exportDataDir }, { writeSealKeyIfMissing }] = await Promise.all([
      import('../../store/postgres/connect.js'),
      import('../../store/postgres/transfer.js'),
      import('../../webhooks/seal.js'),
    ])
    const dataDir = this.flags['data-dir']
    const exported = await withDatabase(databaseUrlFrom(this.flags['database-url']), (pool) => exportDataDir(pool, dataDir, { force: this.flags.force }))
    if (process.env.MPG_SEAL_KEY) writeSealKeyIfMissing(dataDir, process.env.MPG_SEAL_KEY)
    this.log(`Exported ${Object.entries(exported).map(([c, n]) => `${n} ${c.replace('_', ' ')}`).join(', ')} to ${dataDir}.`)
    return { exported }
  }
}
