import { BaseCommand } from '../../cli/base-command.js'
import { databaseUrlFlag } from '../../cli/flags.js'
import { migrateDatabase } from '../../services/database.js'

export default class DbMigrate extends BaseCommand<typeof DbMigrate> {
  static summary = 'Apply the PostgreSQL schema migrations this version ships (mpg serve also does at start).'
  static description =
    'Safe to run while gateways run and from several machines at once: an advisory lock makes each migration apply once. A migration that builds an index holds writes to its table until the index is built (migration 004: deliveries, about 2 s per million rows); run it when the gateway is quiet.'
  static examples = ['DATABASE_URL=postgres://mpg@db.example.com/mpg <%= config.bin %> db migrate', '<%= config.bin %> db migrate --database-url postgres://… --json']

  static flags = { 'database-url': databaseUrlFlag }

  async run(): Promise<{ applied: number[] }> {
    const applied = await migrateDatabase(this.flags['database-url'])
    this.log(applied.length === 0 ? 'The database is up to date.' : `Applied migration${applied.length > 1 ? 's' : ''} ${applied.join(', ')}.`)
    return { applied }
  }
}
