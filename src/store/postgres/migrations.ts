import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Pool, PoolClient } from 'pg'
import { LOCK_MIGRATIONS } from './locks.js'

export interface Migration {
  version: number
  name: string
  sql: string
}

/**
 * A migration whose first line is this runs statement by statement, each on its own, instead of in
 * one transaction: what CREATE INDEX CONCURRENTLY needs (it cannot run inside a transaction). Such a
 * migration must be safe to run again from the start after stopping part way (it is recorded as
 * applied only once all of it ran).
 */
const OUTSIDE_A_TRANSACTION = /^--\s*mpg:outside-transaction[ \t]*\r?(?:\n|$)/

/** The statements of a migration that runs outside a transaction: one per `;` at a line's end, comments left out. */
function statementsOf(sql: string): string[] {
  const code = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
  return code
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '')
}

async function apply(client: PoolClient, m: Migration): Promise<void> {
  const recordApplied = () => client.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name])
  if (OUTSIDE_A_TRANSACTION.test(m.sql)) {
    for (const statement of statementsOf(m.sql)) await client.query(statement)
    await recordApplied()
    return
  }
  await client.query('begin')
  try {
    await client.query(m.sql)
    await recordApplied()
    await client.query('commit')
  } catch (error) {
    await client.query('rollback').catch(() => undefined)
    throw error
  }
}

export interface MigrationStatus {
  version: number
  name: string
  applied_at: string | null
}

const FILE = /^(\d+)_([a-z0-9_-]+)\.sql$/i

/** The `migrations/` folder shipped in the package (found from here, in `src/` or in `dist/src/`). */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'migrations')
    if (existsSync(join(candidate, '001_initial.sql'))) return candidate
    const parent = dirname(dir)
    if (parent === dir) throw new Error('the migrations folder of mpesa-gateway is missing (a broken install?)')
    dir = parent
  }
}

/** Every migration shipped, in order. */
export function loadMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .map((file) => FILE.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2], sql: readFileSync(join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version)
}

const CREATE_TABLE = `create table if not exists schema_migrations (
  version integer primary key,
  name text not null,
  applied_at timestamptz not null default now()
)`

async function appliedVersions(client: PoolClient): Promise<Map<number, { name: string; applied_at: string }>> {
  const { rows } = await client.query<{ version: number; name: string; applied_at: Date }>('select version, name, applied_at from schema_migrations order by version')
  return new Map(rows.map((r) => [r.version, { name: r.name, applied_at: r.applied_at.toISOString() }]))
}

/**
 * The migration lock, asked for again every 100 ms rather than waited for inside
 * pg_advisory_lock: a session waiting in a statement holds a snapshot, which a concurrent index
 * build by the lock's holder waits to see end, while the waiter waits for the holder's lock (a
 * deadlock PostgreSQL breaks by failing one of them). Between two tries the waiter holds nothing.
 */
async function takeMigrationLock(client: PoolClient): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LOCK_MIGRATIONS])
    if (rows[0].locked) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Applies the migrations this database lacks, each in its own transaction (or statement by
 * statement, see OUTSIDE_A_TRANSACTION), under a session advisory lock: processes starting
 * together apply each one once (the others wait, then find nothing to do). Refuses a database
 * migrated by a newer mpg. Returns the versions applied now.
 */
export async function migrate(pool: Pool, migrations = loadMigrations()): Promise<number[]> {
  const client = await pool.connect()
  try {
    await takeMigrationLock(client)
    try {
      await client.query(CREATE_TABLE)
      const applied = await appliedVersions(client)
      const known = new Set(migrations.map((m) => m.version))
      const unknown = [...applied.keys()].filter((v) => !known.has(v))
      if (unknown.length > 0) {
        throw new Error(`the database has schema migration ${unknown.join(', ')}, which this version of mpg does not know: it was migrated by a newer mpg; upgrade this one`)
      }
      const done: number[] = []
      for (const m of migrations) {
        if (applied.has(m.version)) continue
        try {
          await apply(client, m)
        } catch (error) {
          throw new Error(`migration ${m.version}_${m.name} failed: ${(error as Error).message}`, { cause: error })
        }
        done.push(m.version)
      }
      return done
    } finally {
      await client.query('select pg_advisory_unlock($1)', [LOCK_MIGRATIONS]).catch(() => undefined)
    }
  } finally {
    client.release()
  }
}

/** Each shipped migration and when it was applied here (null: not yet). */
export async function migrationStatus(pool: Pool, migrations = loadMigrations()): Promise<MigrationStatus[]> {
  const client = await pool.connect()
  try {
    const { rows } = await client.query<{ exists: boolean }>("select to_regclass('schema_migrations') is not null as exists")
    const applied = rows[0].exists ? await appliedVersions(client) : new Map<number, { name: string; applied_at: string }>()
    const out: MigrationStatus[] = migrations.map((m) => ({ version: m.version, name: m.name, applied_at: applied.get(m.version)?.applied_at ?? null }))
    for (const [version, row] of applied) if (!out.some((m) => m.version === version)) out.push({ version, name: row.name, applied_at: row.applied_at })
    return out.sort((a, b) => a.version - b.version)
  } finally {
    client.release()
  }
}
