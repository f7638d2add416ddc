import type { MigrationStatus } from '../store/postgres/migrations.js'
import type { TransferCounts } from '../store/postgres/transfer.js'

export type { MigrationStatus, TransferCounts }

/** `mpg db …`: PostgreSQL is loaded only by these commands. */
async function load() {
  const [connect, migrations, transfer] = await Promise.all([
    import('../store/postgres/connect.js'),
    import('../store/postgres/migrations.js'),
    import('../store/postgres/transfer.js'),
  ])
  return { ...connect, ...migrations, ...transfer }
}

export async function migrateDatabase(urlFlag: string | undefined): Promise<number[]> {
  const db = await load()
  return db.withDatabase(db.databaseUrlFrom(urlFlag), (pool) => db.migrate(pool))
}

export async function databaseStatus(urlFlag: string | undefined): Promise<MigrationStatus[]> {
  const db = await load()
  return db.withDatabase(db.databaseUrlFrom(urlFlag), (pool) => db.migrationStatus(pool))
}

/** A lowdb data dir into PostgreSQL (migrating it first). */
export async function importIntoDatabase(urlFlag: string | undefined, dataDir: string, force: boolean): Promise<TransferCounts> {
  const db = await load()
  return db.withDatabase(db.databaseUrlFrom(urlFlag), async (pool) => {
    await db.migrate(pool)
    return db.importDataDir(pool, dataDir, { force })
  })
}

/** PostgreSQL into a lowdb data dir, with MPG_SEAL_KEY as its seal key when set. */
export async function exportFromDatabase(urlFlag: string | undefined, dataDir: string, force: boolean): Promise<TransferCounts> {
  const db = await load()
  const counts = await db.withDatabase(db.databaseUrlFrom(urlFlag), (pool) => db.exportDataDir(pool, dataDir, { force }))
  if (process.env.MPG_SEAL_KEY) {
    const { writeSealKeyIfMissing } = await import('../webhooks/seal.js')
    writeSealKeyIfMissing(dataDir, process.env.MPG_SEAL_KEY)
  }
  return counts
}
