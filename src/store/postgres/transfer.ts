import { existsSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type pg from 'pg'
import { MpgError } from '../../errors.js'
import { emptyDocument, journalFileOf, loadDocument, type Collection, type StoreDocument } from '../document.js'
import { PRIVATE_DIR_MODE, writeFileAtomic } from '../files.js'
import { hashCallbackTokens } from '../tokens.js'
import { DATA_TABLES, ROWS } from './rows.js'

/** Records per collection, what export and import report. */
export type TransferCounts = Record<Collection, number>

const COLLECTIONS: Collection[] = ['accounts', 'api_keys', 'transactions', 'idempotency', 'events', 'webhook_endpoints', 'deliveries']

const countsOf = (doc: StoreDocument): TransferCounts => Object.fromEntries(COLLECTIONS.map((c) => [c, doc[c].length])) as TransferCounts

/** The lowdb store file of a data dir. */
export const storeFileOf = (dataDir: string) => join(dataDir, 'gateway.json')

/** Whether the database holds any gateway data. */
export async function databaseIsEmpty(db: pg.Pool | pg.PoolClient): Promise<boolean> {
  const { rows } = await db.query<{ n: string }>(`select (${DATA_TABLES.map((t) => `(select count(*) from ${t})`).join(' + ')}) as n`)
  return Number(rows[0].n) === 0
}

/**
 * Copies a lowdb data dir's store into PostgreSQL in one transaction: all of it or nothing.
 * Refuses a database that already holds data unless `force` (which replaces it).
 */
export async function importDataDir(pool: pg.Pool, dataDir: string, options: { force?: boolean } = {}): Promise<TransferCounts> {
  const file = storeFileOf(dataDir)
  if (!existsSync(file) && !existsSync(journalFileOf(file))) {
    throw new MpgError('not_found', `No gateway store in ${dataDir} (no gateway.json).`, { suggestion: 'Point --data-dir at the data dir `mpg serve` used.' })
  }
  const { doc } = await loadDocument(file)
  const client = await pool.connect()
  try {
    await client.query('begin')
    if (!options.force && !(await databaseIsEmpty(client))) {
      throw new MpgError('conflict', 'The database already holds gateway data; nothing was imported.', {
        suggestion: 'Import into an empty database, or pass --force to replace what it holds.',
      })
    }
    await client.query(`truncate ${DATA_TABLES.join(', ')}`)
    for (const [key, value] of Object.entries(doc.meta)) await client.query('insert into meta (key, value) values ($1, $2)', [key, value])
    for (const t of doc.transactions) hashCallbackTokens(t)
    for (const c of COLLECTIONS) {
      const rows = ROWS[c] as { insert: string; values(record: unknown): unknown[] }
      for (const record of doc[c]) await client.query(rows.insert, rows.values(record))
    }
    // New events continue after the imported ones.
    await client.query("select setval('events_seq', greatest((select max(seq) from events), 1))")
    await client.query('commit')
    return countsOf(doc)
  } catch (error) {
    await client.query('rollback').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * Writes the database's data into a lowdb data dir (a snapshot; no journal). Refuses a data dir
 * that already has a store unless `force` (which replaces it).
 */
export async function exportDataDir(pool: pg.Pool, dataDir: string, options: { force?: boolean } = {}): Promise<TransferCounts> {
  const file = storeFileOf(dataDir)
  if (!options.force && (existsSync(file) || existsSync(journalFileOf(file)))) {
    throw new MpgError('conflict', `${dataDir} already holds a gateway store; nothing was exported.`, {
      suggestion: 'Export into a new data dir, or pass --force to replace its store.',
    })
  }
  const doc = emptyDocument()
  const client = await pool.connect()
  try {
    // One snapshot of the database for every table.
    await client.query('begin isolation level repeatable read read only')
    for (const { key, value } of (await client.query<{ key: string; value: string }>('select key, value from meta order by key')).rows) doc.meta[key] = value
    for (const c of COLLECTIONS) {
      const order = c === 'events' ? 'seq' : c === 'idempotency' ? 'created_at, scope' : 'ord'
      const { rows } = await client.query<{ doc: never; seq?: string }>(`select doc${c === 'events' ? ', seq' : ''} from ${c} order by ${order}`)
      ;(doc[c] as unknown[]) = rows.map((r) => (c === 'events' ? { ...(r.doc as object), seq: Number(r.seq) } : r.doc))
    }
    await client.query('commit')
  } finally {
    client.release()
  }
  doc.next_event_seq = doc.events.reduce((max, e) => Math.max(max, e.seq + 1), 1)
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE })
  await rm(journalFileOf(file), { force: true })
  await writeFileAtomic(file, JSON.stringify(doc))
  return countsOf(doc)
}
