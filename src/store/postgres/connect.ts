import pg from 'pg'
import { MpgError } from '../../errors.js'
import { describeOpenError } from './pg-store.js'

/** The database URL from the flag or DATABASE_URL, or a usage error saying how to give one. */
export function databaseUrlFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag || env.DATABASE_URL
  if (!url) throw new MpgError('usage', 'No database given.', { suggestion: 'Pass --database-url postgres://… or set DATABASE_URL.' })
  if (!/^postgres(ql)?:\/\/\S+$/.test(url)) {
    throw new MpgError('usage', 'The database URL must be a PostgreSQL URL.', { suggestion: 'Use postgres://user:password@host:5432/database.' })
  }
  return url
}

/** Runs `work` with a small pool on the database, then closes it; connection problems are one sentence. */
export async function withDatabase<T>(url: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 })
  pool.on('error', () => undefined)
  try {
    try {
      await pool.query('select 1')
    } catch (error) {
      throw describeOpenError(url, error)
    }
    return await work(pool)
  } finally {
    await pool.end().catch(() => undefined)
  }
}
