import pg from 'pg'
import { inject } from 'vitest'
import { randomBase62 } from '../../src/utils/ids.js'

/** The PostgreSQL server of this test run, or null when the PostgreSQL tests are skipped. */
export const pgServerUrl: string | null = inject('pgUrl')

/** A new empty database on the test server (each test file its own, so files run in parallel). */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!pgServerUrl) throw new Error('no PostgreSQL server for this test run')
  const name = `mpg_test_${randomBase62(12).toLowerCase()}`
  const admin = new pg.Client({ connectionString: pgServerUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(pgServerUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: pgServerUrl! })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}
