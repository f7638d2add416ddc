import pg from 'pg'
import { DATA_TABLES } from '../../src/store/postgres/rows.js'
import { readStore } from './store-file.js'
import { storeEnvFor, testStore } from './store-env.js'

/**
 * Everything a test gateway's store holds, as one text, whichever store it runs on: the lowdb
 * document (snapshot + journal), or every row of every PostgreSQL table. For "this never reaches
 * the store" checks.
 */
export async function storedText(dataDir: string): Promise<string> {
  if (testStore === 'lowdb') return JSON.stringify(await readStore(dataDir))
  const client = new pg.Client({ connectionString: (await storeEnvFor(dataDir)).DATABASE_URL })
  await client.connect()
  try {
    const parts: string[] = []
    for (const table of DATA_TABLES) {
      const { rows } = await client.query<{ row: string }>(`select t::text as row from ${table} t`)
      parts.push(...rows.map((r) => r.row))
    }
    return parts.join('\n')
  } finally {
    await client.end()
  }
}
