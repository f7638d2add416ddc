import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isStorageError } from '../../src/store/errors.js'
import { PgStore } from '../../src/store/postgres/pg-store.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'
import { transaction } from './records.js'

/**
 * A push's insert claims its Idempotency-Key in the same transaction. When the key is taken and
 * then released by other requests each time this one looks (other processes on the database), the
 * insert gives up after a few tries: it must then say so, never answer as if the payment were
 * stored (the push would go to Daraja for a payment the gateway does not have).
 */
describe.skipIf(pgServerUrl === null)('PostgreSQL: a key taken and released on every try', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  let store: PgStore
  let admin: pg.Client

  beforeAll(async () => {
    db = await freshDatabase()
    store = new PgStore(db.url, { deliverTo: deliversTo })
    await store.open()
    admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    // Stands in for a peer that releases the key between this insert's claim and its read: the
    // claim finds "taken" (no row inserted) and the read finds nothing, every time.
    await admin.query(`
      create function release_key_first() returns trigger language plpgsql as $$
      begin
        delete from idempotency where scope = new.scope;
        return null;
      end $$;
      create trigger release_key_first before insert on idempotency
        for each row when (new.scope like 'acct_churn:%') execute function release_key_first();`)
  })
  afterAll(async () => {
    await admin?.end()
    await store?.close()
    await db?.drop()
  })

  it('refuses with a storage error the caller can retry, and stores nothing', async () => {
    const t = transaction('tx_churn_1', { account_id: 'acct_churn' })
    const claim = { scope: 'acct_churn:test:key-1', fingerprint: 'f', state: 'in_flight' as const, status_code: null, response: null, transaction_id: t.id, created_at: new Date().toISOString() }
    const outcome = await store.insertTransaction(t, { idempotency: claim }).then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    )
    if ('answer' in outcome) expect.fail(`answered ${JSON.stringify(outcome.answer)}, as if the payment were stored`)
    expect(isStorageError(outcome.error) && outcome.error.reason).toBe('unavailable')
    expect(await store.getTransaction(t.id)).toBeUndefined()
  })
})
