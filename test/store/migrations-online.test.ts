import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { loadMigrations, migrate } from '../../src/store/postgres/migrations.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'

// A gateway keeps running while `mpg db migrate` (or a newer instance's start) applies migrations.
// A migration that builds an index on a big table must not hold that table's writes for the whole
// build: the index is built concurrently, outside a transaction.
const all = loadMigrations()
const upTo = (version: number) => all.filter((m) => m.version <= version)

let cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

async function database(): Promise<string> {
  const db = await freshDatabase()
  cleanups.push(() => db.drop())
  return db.url
}

function poolOn(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  cleanups.push(() => pool.end())
  return pool
}

const insertDelivery = (client: pg.Pool | pg.PoolClient, id: string) =>
  client.query("insert into deliveries (id, event_id, endpoint_id, status, doc) values ($1, 'evt_1', 'we_1', 'pending', '{}')", [id])

const indexValid = async (pool: pg.Pool, name: string) =>
  (await pool.query<{ valid: boolean }>('select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = $1', [name])).rows[0]?.valid

describe.skipIf(pgServerUrl === null)('migrations while gateways write', () => {
  it("building the delivery log's index does not hold new deliveries back", async () => {
    const url = await database()
    const pool = poolOn(url)
    await migrate(pool, upTo(3))
    // A write in flight when the migration starts: the index build waits for it to end.
    const inFlight = await pool.connect()
    cleanups.push(async () => inFlight.release())
    await inFlight.query('begin')
    await insertDelivery(inFlight, 'wd_in_flight')

    const migrating = migrate(pool, all)
    await new Promise((resolve) => setTimeout(resolve, 300))
    // A new delivery meanwhile is stored at once (a build inside a transaction would hold it until the end).
    const writer = await pool.connect()
    cleanups.push(async () => writer.release())
    await writer.query("set lock_timeout = '2s'")
    const started = Date.now()
    await insertDelivery(writer, 'wd_meanwhile')
    expect(Date.now() - started).toBeLessThan(1500)

    await inFlight.query('commit')
    expect(await migrating).toEqual([4])
    expect(await indexValid(pool, 'deliveries_endpoint_status')).toBe(true)
    expect((await pool.query('select count(*)::int as n from deliveries')).rows[0].n).toBe(2)
  })

  it('an index left half-built by an attempt that failed is built again, whole', async () => {
    const url = await database()
    const pool = poolOn(url)
    await migrate(pool, upTo(3))
    // What a build interrupted part way leaves: an index of that name, not recorded as applied.
    await pool.query('create index deliveries_endpoint_status on deliveries (endpoint_id)')
    await pool.query('update pg_index set indisvalid = false where indexrelid = $1::regclass', ['deliveries_endpoint_status'])
    expect(await migrate(pool, all)).toEqual([4])
    expect(await indexValid(pool, 'deliveries_endpoint_status')).toBe(true)
    const { rows } = await pool.query<{ def: string }>("select pg_get_indexdef('deliveries_endpoint_status'::regclass) as def")
    expect(rows[0].def).toMatch(/\(endpoint_id, status, ord\)/)
  })

  it('instances starting together apply each migration once, with the index built concurrently', async () => {
    const url = await database()
    const pools = [poolOn(url), poolOn(url), poolOn(url)]
    const applied = await Promise.all(pools.map((pool) => migrate(pool, all)))
    expect(applied.flat().sort((a, b) => a - b)).toEqual(all.map((m) => m.version))
    expect(await indexValid(pools[0], 'deliveries_endpoint_status')).toBe(true)
  })
})
