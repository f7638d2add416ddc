import { BaseCommand } from '../../cli/base-command.js'
import { databaseUrlFlag } from '../../cli/flags.js'
import { databaseStatus, type MigrationStatus } from '../../services/database.js'

export default class DbStatus extends BaseCommand<typeof DbStatus> {
  static summary = 'Show each PostgreSQL schema migration and when it was applied.'
  static examples = ['<%= config.bin %> db status', '<%= config.bin %> db status --database-url postgres://… --json']

  static flags = { 'database-url': databaseUrlFlag }

  async run(): Promise<{ migrations: MigrationStatus[]; pending: number }> {
    const migrations = await databaseStatus(this.flags['database-url'])
    for (const m of migrations) this.log(`  ${String(m.version).padStart(3, '0')}  ${m.name.padEnd(24)} ${m.applied_at ?? 'pending'}`)
    const pending = migrations.filter((m) => m.applied_at === null).length
    this.log(pending === 0 ? 'Up to date.' : `${pending} pending: run mpg db migrate (or start mpg serve).`)
    return { migrations, pending }
  }
}
