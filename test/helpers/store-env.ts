import { randomBytes } from 'node:crypto'
import { freshDatabase, pgServerUrl } from './postgres.js'

/** `MPG_TEST_STORE=postgres` runs the gateway suites on PostgreSQL instead of lowdb. */
export const testStore: 'lowdb' | 'postgres' = process.env.MPG_TEST_STORE === 'postgres' ? 'postgres' : 'lowdb'

const databases = new Map<string, Record<string, string>>()

/**
 * The environment that puts a test gateway on the chosen store: nothing for lowdb; for
 * PostgreSQL a database of its own per data dir (a restart on the same data dir finds its data
 * again), with the shared settings several instances would have.
 */
export async function storeEnvFor(dataDir: string): Promise<Record<string, string>> {
  if (testStore === 'lowdb') return {}
  if (!pgServerUrl) throw new Error('MPG_TEST_STORE=postgres needs PostgreSQL: set MPG_TEST_DATABASE_URL or install PostgreSQL (initdb)')
  let env = databases.get(dataDir)
  if (!env) {
    const db = await freshDatabase()
    env = { DATABASE_URL: db.url, MPG_SEAL_KEY: randomBytes(32).toString('base64'), MPG_ADMIN_TOKEN: `mpg_admin_${randomBytes(20).toString('hex')}` }
    databases.set(dataDir, env)
  }
  return env
}
