import { BaseCommand } from '../../cli/base-command.js'
import { databaseUrlFlag } from '../../cli/flags.js'
import { migrateDatabase } from '../../services/database.js'

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static summary = 'Apply the PostgreSQL schema migrations this version ships (mpg serve also does at start).'
  static description =
    'Safe to run while gateways run and from several machines at once: an advisory lock makes each migration apply once, and the delivery log\'s index (migration 004) is built concurrently, without holding writes back.'
  static examples = ['DATABASE_URL=postgres://mpg@db.example.com/mpg <%= config.bin %> db migrate', '<%= config.bin %> db migrate --database-url postgres://… --json']

  static flags = { 'database-url': databaseUrlFlag }

  async run(): Promise<{ applied: number[] }> {
    const applied = await migrateDatabase(this.flags['database-url'])
    this.log(applied.length === 0 ? 'The database is up to date.' : `Applied migration${applied.length > 1 ? 's' : ''} ${applied.join(', ')}.`)
    return { applied }
  }
}
