import pg from 'pg'
import { MpgError } from '../../errors.js'
import { isStorageError, StorageError } from '../errors.js'
import { newId } from '../../utils/ids.js'
import { callbackTokenHash, hashCallbackTokens } from '../tokens.js'
import type {
  AccountRecord,
  ApiKeyRecord,
  DeliveryRecord,
  EventRecord,
  IdempotencyRecord,
  Mode,
  PayoutStatus,
  TransactionRecord,
  WebhookEndpointRecord,
} from '../records.js'
import { firstDelivery, type DeliveryPage, type DeliveryRule, type EventDraft, type ListEndpointDeliveriesQuery, type ListTransactionsQuery, type Store, type TransactionPage, type TransitionInput, type TransitionResult, type WebhookEndpointDeletion, type WebhookEndpointUpdate } from '../store.js'
import { Leadership } from './leadership.js'
import { claimDueSql, claimOneSql, DELIVERY_LEASE, PAYOUT_LEASE, releaseSql } from './leases.js'
import { LOCK_EVENTS } from './locks.js'
import { migrate } from './migrations.js'
import { CLAIM_AND_INSERT_TRANSACTION, ROWS, UPDATE_TRANSACTION } from './rows.js'

type Queryable = pg.Pool | pg.PoolClient

export interface PgStoreOptions {
  /** Which endpoints get a delivery of an event (the webhooks' rule). */
  deliverTo: DeliveryRule
  /** Apply pending migrations on open (default true; `mpg db migrate` does it explicitly). */
  migrate?: boolean
  /** Pool size (default 10). */
  max?: number
}

const json = (value: unknown) => JSON.stringify(value)

// Due by the database's clock (now()), so instances with skewed clocks agree (see leases.ts).
const CLAIM_DUE_DELIVERIES = claimDueSql(DELIVERY_LEASE, "status = 'pending' and next_attempt_at <= now()", 'next_attempt_at, ord')
const CLAIM_DELIVERY = claimOneSql(DELIVERY_LEASE, "status = 'pending'")
const CLAIM_DUE_PAYOUTS = claimDueSql(PAYOUT_LEASE, "payout_status = 'pending' and payout_due_at <= now()", 'payout_due_at')
const CLAIM_PAYOUT = claimOneSql(PAYOUT_LEASE, "payout_status = 'pending'")
const RELEASE_DELIVERY = releaseSql(DELIVERY_LEASE)
/** ($1 endpoint id) Its pending deliveries that no live lease holds, locked for a change. */
const PENDING_OF_ENDPOINT = `select doc from deliveries
  where endpoint_id = $1 and status = 'pending' and (lease_until is null or lease_until < now())
  order by ord for update`
const RELEASE_PAYOUT = releaseSql(PAYOUT_LEASE)


/** Lost or refused connections (the server is down, restarting or unreachable): nothing was committed. */
function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string }
  if (e?.code && (/^E[A-Z]+$/.test(e.code) || e.code.startsWith('08') || e.code.startsWith('57P'))) return true
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e?.message ?? '')
}

function asStorageError(error: unknown): unknown {
  if (isStorageError(error) || !isConnectionError(error)) return error
  return new StorageError('unavailable', `The database does not answer (${(error as Error).message}); nothing was changed.`, 'Check the PostgreSQL server and DATABASE_URL; retry once it answers.', { cause: error })
}

/** Where the URL points, without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`
  } catch {
    return 'the DATABASE_URL'
  }
}

/** A start-up failure as one sentence with a next step. */
export function describeOpenError(url: string, error: unknown): MpgError {
  const err = error as { code?: string; message?: string }
  const where = redactUrl(url)
  if (err.code === '3D000') return new MpgError('config', `PostgreSQL at ${where}: the database does not exist.`, { suggestion: 'Create it (createdb …) or fix the database name in DATABASE_URL.' })
  if (err.code === '28P01' || err.code === '28000') return new MpgError('config', `PostgreSQL at ${where} refused the user or password.`, { suggestion: 'Fix the credentials in DATABASE_URL.' })
  if (err.code && /^[0-9A-Z]{5}$/.test(err.code)) return new MpgError('internal', `PostgreSQL at ${where}: ${err.message}.`, { suggestion: 'Check the database (mpg db status) and its logs.' })
  if (!err.code?.startsWith('E') && !/timeout|terminated/i.test(err.message ?? '')) {
    return new MpgError('config', `PostgreSQL at ${where}: ${err.message ?? String(error)}.`, { suggestion: 'See mpg db status.' })
  }
  return new MpgError('unreachable', `Cannot reach PostgreSQL at ${where}: ${err.message ?? String(error)}.`, { suggestion: 'Check that the server runs and DATABASE_URL points at it.' })
}

function toEvent(row: { seq: string; doc: Omit<EventRecord, 'seq'> }): EventRecord {
  return { ...row.doc, seq: Number(row.seq) }
}

/**
 * The PostgreSQL store, for several gateway processes on one database. Every mutating call is one
 * SQL transaction; compare-and-set holds a row lock (`select … for update`) while the caller's
 * guard runs, so two processes racing on one record change it once. Records are kept whole as
 * JSON next to the columns they are found by. Times written by the store come from the database.
 */
export class PgStore implements Store {
  readonly kind = 'postgres'
  readonly shared = true
  readonly pool: pg.Pool
  private readonly leadership: Leadership
  private closed: Promise<void> | undefined

  constructor(
    readonly url: string,
    private readonly options: PgStoreOptions,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 10_000 })
    // An idle connection the server dropped must not crash the process: the next query reconnects.
    this.pool.on('error', () => undefined)
    this.leadership = new Leadership(url)
  }

  async open(): Promise<void> {
    try {
      if (this.options.migrate !== false) await migrate(this.pool)
      else await this.query('select 1')
    } catch (error) {
      await this.pool.end().catch(() => undefined)
      throw describeOpenError(this.url, error)
    }
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.leadership.close()
      await this.pool.end()
    })()
    return this.closed
  }

  sizeBytes(): number {
    return 0
  }

  /** A failed PostgreSQL transaction rolls back: this store never holds a change the database does not. */
  failure(): Error | undefined {
    return undefined
  }

  whenFailed(): Promise<Error> {
    return new Promise(() => undefined)
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('select 1')
      return true
    } catch {
      return false
    }
  }

  tryLead(): Promise<boolean> {
    return this.leadership.tryLead()
  }

  resign(): Promise<void> {
    return this.leadership.resign()
  }

  /** Runs `work` in one transaction on one connection; rolled back when it throws. */
  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (error) {
      throw asStorageError(error)
    }
    try {
      await client.query('begin')
      const result = await work(client)
      await client.query('commit')
      return result
    } catch (error) {
      await client.query('rollback').catch(() => undefined)
      throw asStorageError(error)
    } finally {
      client.release()
    }
  }


  /** One statement on the pool; a database that does not answer is a StorageError (503, with a hint). */
  private async query<R extends pg.QueryResultRow = any>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params)
    } catch (error) {
      throw asStorageError(error)
    }
  }

  private async one<T>(db: Queryable, sql: string, params: unknown[]): Promise<T | undefined> {
    const { rows } = db === this.pool ? await this.query<{ doc: T }>(sql, params) : await db.query<{ doc: T }>(sql, params)
    return rows[0]?.doc
  }

  private async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const { rows } = await this.pool.query<{ doc: T }>(sql, params)
    return rows.map((r) => r.doc)
  }

  async getMeta(key: string) {
    const { rows } = await this.pool.query<{ value: string }>('select value from meta where key = $1', [key])
    return rows[0]?.value
  }

  async setMeta(key: string, value: string) {
    await this.query('insert into meta (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value', [key, value])
  }

  async createAccount(account: AccountRecord) {
    await this.query(ROWS.accounts.insert, ROWS.accounts.values(account))
  }

  getAccount(id: string) {
    return this.one<AccountRecord>(this.pool, 'select doc from accounts where id = $1', [id])
  }

  listAccounts() {
    return this.all<AccountRecord>('select doc from accounts order by ord')
  }

  async createApiKey(key: ApiKeyRecord) {
    await this.query(ROWS.api_keys.insert, ROWS.api_keys.values(key))
  }

  findApiKeyByHash(hash: string) {
    return this.one<ApiKeyRecord>(this.pool, 'select doc from api_keys where hash = $1', [hash])
  }

  listApiKeys() {
    return this.all<ApiKeyRecord>('select doc from api_keys order by ord')
  }

  revokeApiKey(id: string, at: string) {
    return this.inTransaction(async (client) => {
      const current = await this.one<ApiKeyRecord>(client, 'select doc from api_keys where id = $1 for update', [id])
      if (!current) return undefined
      if (current.revoked_at) return current
      const updated = { ...current, revoked_at: at }
      await client.query('update api_keys set doc = $2::json where id = $1', [id, json(updated)])
      return updated
    })
  }

  touchApiKey(id: string, at: string) {
    // Best effort and to the minute: one cheap statement that changes nothing within the minute.
    void this.pool
      .query(
        `update api_keys set doc = (doc::jsonb || jsonb_build_object('last_used_at', $2::text))::json
          where id = $1 and (doc->>'last_used_at' is null or (doc->>'last_used_at')::timestamptz <= $2::timestamptz - interval '1 minute')`,
        [id, at],
      )
      .catch(() => undefined)
  }

  async insertTransaction(given: TransactionRecord, options: { idempotency?: IdempotencyRecord } = {}) {
    const claim = options.idempotency
    // Callback tokens are stored as hashes only (store/tokens.ts), like API keys.
    const transaction = structuredClone(given)
    hashCallbackTokens(transaction)
    if (!claim) {
      // One statement is its own transaction: committed (and flushed) when it answers, with two
      // round trips fewer than begin … commit around it.
      await this.query(ROWS.transactions.insert, ROWS.transactions.values(transaction))
      return {}
    }
    // The key is claimed in the same statement as the insert: of two processes racing on one
    // key, the second waits for the first to commit, finds the key taken and stores nothing.
    for (let tries = 0; ; tries++) {
      const { rowCount } = await this.query(CLAIM_AND_INSERT_TRANSACTION, [...ROWS.transactions.values(transaction), ...ROWS.idempotency.values(claim)])
      if (rowCount === 1) return {}
      const existing = await this.one<IdempotencyRecord>(this.pool, 'select doc from idempotency where scope = $1', [claim.scope])
      if (existing) return { existing }
      // Not there: the key was taken, then released before we could read it; claim it again, a few
      // times. Nothing was stored, so giving up must be an error: an empty answer means "stored".
      if (tries >= 3) {
        throw new StorageError(
          'unavailable',
          'The Idempotency-Key was taken and released by other requests on every try to claim it; nothing was stored.',
          'Retry the request with the same Idempotency-Key.',
        )
      }
    }
  }

  getTransaction(id: string) {
    return this.one<TransactionRecord>(this.pool, 'select doc from transactions where id = $1', [id])
  }

  findTransactionByCheckoutRequestId(checkoutRequestId: string) {
    return this.one<TransactionRecord>(this.pool, 'select doc from transactions where checkout_request_id = $1 limit 1', [checkoutRequestId])
  }

  findTransactionByCallbackToken(token: string) {
    return this.one<TransactionRecord>(this.pool, 'select doc from transactions where callback_token = $1 limit 1', [callbackTokenHash(token)])
  }

  findTransactionByPayoutToken(token: string) {
    return this.one<TransactionRecord>(this.pool, 'select doc from transactions where payout_token = $1 limit 1', [callbackTokenHash(token)])
  }

  async listTransactions(query: ListTransactionsQuery): Promise<TransactionPage> {
    let before = '9223372036854775807'
    if (query.starting_after) {
      const { rows } = await this.pool.query<{ ord: string }>('select ord from transactions where id = $1 and account_id = $2 and mode = $3', [
        query.starting_after,
        query.account_id,
        query.mode,
      ])
      if (rows.length === 0) return { data: [], has_more: false }
      before = rows[0].ord
    }
    // A reference gets its own statement so the planner can use transactions_reference (migration 002).
    const byReference = query.reference === undefined ? '' : "and doc->>'reference' = $6"
    const data = await this.all<TransactionRecord>(
      `select doc from transactions where account_id = $1 and mode = $2 and ord < $3 and ($4::text is null or status = $4) ${byReference}
        order by ord desc limit $5`,
      [query.account_id, query.mode, before, query.status ?? null, query.limit + 1, ...(query.reference === undefined ? [] : [query.reference])],
    )
    return { data: data.slice(0, query.limit), has_more: data.length > query.limit }
  }

  listPendingTransactions(createdBefore: string) {
    return this.all<TransactionRecord>("select doc from transactions where status = 'pending' and created_at <= $1 order by ord", [createdBefore])
  }

  listPendingPayouts() {
    return this.all<TransactionRecord>("select doc from transactions where payout_status = 'pending' order by ord")
  }

  listPayoutsByStatus(status: PayoutStatus, limit: number) {
    return this.all<TransactionRecord>('select doc from transactions where payout_status = $1 order by ord limit $2', [status, limit])
  }

  async transition(input: TransitionInput): Promise<TransitionResult | undefined> {
    const result = await this.inTransaction(async (client) => {
      const { rows } = await client.query<{ doc: TransactionRecord; payout_lease_owner: string | null }>(
        'select doc, payout_lease_owner from transactions where id = $1 for update',
        [input.transactionId],
      )
      const current = rows[0]?.doc
      if (!current || (input.payoutLeaseOwner !== undefined && rows[0].payout_lease_owner !== input.payoutLeaseOwner)) return undefined
      if (!input.guard(structuredClone(current))) return undefined
      const updated: TransactionRecord = { ...current, ...input.patch(structuredClone(current)) }
      hashCallbackTokens(updated)
      await client.query(UPDATE_TRANSACTION, ROWS.transactions.values(updated))
      const drafts = input.events?.(structuredClone(updated)) ?? []
      const { events, deliveries } = drafts.length > 0 ? await this.appendEvents(client, updated.account_id, updated.mode, drafts) : { events: [], deliveries: [] }
      return { transaction: updated, events, deliveries }
    })
    return result
  }

  /**
   * Stores events (and a delivery per matching endpoint) inside the caller's transaction. The
   * sequence numbers are taken under a transaction-level lock held until commit, so events become
   * visible in seq order: sequences alone commit out of order, and a reader resuming after seq N
   * could otherwise miss a lower one that commits later. Exported for the contract test.
   */
  async appendEvents(client: pg.PoolClient, accountId: string, mode: Mode, drafts: EventDraft[]): Promise<{ events: EventRecord[]; deliveries: DeliveryRecord[] }> {
    const { rows: matching } = await client.query<{ doc: WebhookEndpointRecord }>(
      'select doc from webhook_endpoints where account_id = $1 and mode = $2 and not deleted order by ord',
      [accountId, mode],
    )
    const endpoints = matching.map((r) => r.doc)
    const { rows } = await client.query<{ now: Date }>('select pg_advisory_xact_lock($1), now() as now', [LOCK_EVENTS])
    const at = rows[0].now.toISOString()
    const events: EventRecord[] = []
    const deliveries: DeliveryRecord[] = []
    for (const draft of drafts) {
      const { rows: seqRows } = await client.query<{ seq: string }>("select nextval('events_seq') as seq")
      const event: EventRecord = { id: newId('evt'), seq: Number(seqRows[0].seq), account_id: accountId, mode, event: draft.event, created_at: at, data: draft.data }
      await client.query(ROWS.events.insert, ROWS.events.values(event))
      events.push(event)
      for (const endpoint of endpoints) {
        if (!this.options.deliverTo(endpoint, event)) continue
        const delivery = firstDelivery(newId('del'), event, endpoint.id)
        await client.query(ROWS.deliveries.insert, ROWS.deliveries.values(delivery))
        deliveries.push(delivery)
      }
    }
    return { events, deliveries }
  }


  getIdempotency(scope: string) {
    return this.one<IdempotencyRecord>(this.pool, 'select doc from idempotency where scope = $1', [scope])
  }

  listInFlightIdempotency() {
    return this.all<IdempotencyRecord>("select doc from idempotency where state = 'in_flight' order by created_at")
  }

  async saveIdempotency(record: IdempotencyRecord) {
    await this.query(
      `insert into idempotency (scope, state, created_at, doc) values ($1, $2, $3, $4::json)
       on conflict (scope) do update set state = excluded.state, created_at = excluded.created_at, doc = excluded.doc`,
      [record.scope, record.state, record.created_at, json(record)],
    )
  }

  async deleteIdempotency(scope: string) {
    await this.query('delete from idempotency where scope = $1', [scope])
  }

  async pruneIdempotency(createdBefore: string, limit?: number) {
    const { rowCount } =
      limit === undefined
        ? await this.query("delete from idempotency where created_at < $1 and state <> 'in_flight'", [createdBefore])
        : await this.query("delete from idempotency where scope in (select scope from idempotency where created_at < $1 and state <> 'in_flight' limit $2)", [createdBefore, limit])
    return rowCount ?? 0
  }

  /** Retention in two bounded deletes: finished deliveries first, then events none of whose deliveries is left. */
  async pruneHistory(before: string, limit: number) {
    const deliveries = await this.query(
      "delete from deliveries where id in (select id from deliveries where status <> 'pending' and (doc->>'created_at') < $1 order by ord limit $2)",
      [before, limit],
    )
    const events = await this.query(
      "delete from events where seq in (select e.seq from events e where (e.doc->>'created_at') < $1 and not exists (select 1 from deliveries d where d.event_id = e.id) order by e.seq limit $2)",
      [before, limit],
    )
    return { events: events.rowCount ?? 0, deliveries: deliveries.rowCount ?? 0 }
  }

  async createWebhookEndpoint(endpoint: WebhookEndpointRecord) {
    await this.query(ROWS.webhook_endpoints.insert, ROWS.webhook_endpoints.values(endpoint))
  }

  getWebhookEndpoint(id: string) {
    return this.one<WebhookEndpointRecord>(this.pool, 'select doc from webhook_endpoints where id = $1', [id])
  }

  listWebhookEndpoints(accountId: string, mode: Mode) {
    return this.all<WebhookEndpointRecord>('select doc from webhook_endpoints where account_id = $1 and mode = $2 and not deleted order by ord', [accountId, mode])
  }

  deleteWebhookEndpoint(
    id: string,
    at: string,
    pending?: (current: DeliveryRecord) => DeliveryRecord | undefined,
  ): Promise<WebhookEndpointDeletion | undefined> {
    return this.inTransaction(async (client) => {
      const current = await this.one<WebhookEndpointRecord>(client, 'select doc from webhook_endpoints where id = $1 and not deleted for update', [id])
      if (!current) return undefined
      const endpoint = { ...current, deleted_at: at }
      await client.query('update webhook_endpoints set deleted = true, doc = $2::json where id = $1', [id, json(endpoint)])
      const pendingChanged = pending ? await this.changePending(client, id, pending) : []
      return { endpoint, pendingChanged }
    })
  }

  async updateWebhookEndpoint(
    id: string,
    change: (current: WebhookEndpointRecord) => WebhookEndpointRecord | undefined,
    events?: (updated: WebhookEndpointRecord) => EventDraft[],
    pending?: (current: DeliveryRecord) => DeliveryRecord | undefined,
  ): Promise<WebhookEndpointUpdate | undefined> {
    const result = await this.inTransaction(async (client) => {
      const current = await this.one<WebhookEndpointRecord>(client, 'select doc from webhook_endpoints where id = $1 and not deleted for update', [id])
      if (!current) return undefined
      const next = change(structuredClone(current))
      if (!next) return undefined
      const updated: WebhookEndpointRecord = { ...next, id }
      await client.query('update webhook_endpoints set doc = $2::json where id = $1', [id, json(updated)])
      const pendingChanged = pending ? await this.changePending(client, id, pending) : []
      const drafts = events?.(structuredClone(updated)) ?? []
      const appended = drafts.length > 0 ? await this.appendEvents(client, updated.account_id, updated.mode, drafts) : { events: [], deliveries: [] }
      return { endpoint: updated, ...appended, pendingChanged }
    })
    return result
  }

  /**
   * Changes the endpoint's pending deliveries that no live lease holds, in the caller's
   * transaction; returns those changed. Their row locks wait for an attempt being recorded, and
   * the rows are checked again after it (read committed), so a delivery it left pending is taken.
   */
  private async changePending(client: pg.PoolClient, endpointId: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined): Promise<DeliveryRecord[]> {
    const { rows } = await client.query<{ doc: DeliveryRecord }>(PENDING_OF_ENDPOINT, [endpointId])
    const changed = rows.flatMap(({ doc }) => {
      const next = change(doc)
      return next ? [{ ...next, id: doc.id }] : []
    })
    if (changed.length === 0) return changed
    await client.query(
      `update deliveries as d set status = u.status, next_attempt_at = u.next_attempt_at, doc = u.doc::json
         from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) as u(id, status, next_attempt_at, doc)
        where d.id = u.id`,
      [changed.map((d) => d.id), changed.map((d) => d.status), changed.map((d) => d.next_attempt_at), changed.map((d) => json(d))],
    )
    return changed
  }

  async getEvent(id: string) {
    const { rows } = await this.query('select seq, doc from events where id = $1', [id])
    return rows[0] ? toEvent(rows[0]) : undefined
  }

  async listEventsAfter(accountId: string, mode: Mode, afterSeq: number, limit: number) {
    const { rows } = await this.query('select seq, doc from events where account_id = $1 and mode = $2 and seq > $3 order by seq limit $4', [
      accountId,
      mode,
      afterSeq,
      limit,
    ])
    return rows.map(toEvent)
  }

  async listAllEventsAfter(afterSeq: number, limit: number) {
    const { rows } = await this.query('select seq, doc from events where seq > $1 order by seq limit $2', [afterSeq, limit])
    return rows.map(toEvent)
  }

  async lastEventSeq() {
    const { rows } = await this.pool.query<{ seq: string | null }>('select max(seq) as seq from events')
    return Number(rows[0].seq ?? 0)
  }

  getDelivery(id: string) {
    return this.one<DeliveryRecord>(this.pool, 'select doc from deliveries where id = $1', [id])
  }

  async listEndpointDeliveries(query: ListEndpointDeliveriesQuery): Promise<DeliveryPage | undefined> {
    // One statement, read backwards along an index in order: deliveries_endpoint, or with a status
    // deliveries_endpoint_status (migration 004). The cursor's place is looked up of this endpoint
    // only (another's finds no row), and whether it was found comes back with the page, from the
    // same snapshot: a cursor that retention removes between two statements cannot read as an
    // empty last page.
    const { rows } = await this.query<{ cursor_found: boolean; docs: DeliveryRecord[] }>(
      `with cursor as (select ord from deliveries where id = $3 and endpoint_id = $1)
      select ($3::text is null or exists (select 1 from cursor)) as cursor_found,
        coalesce((select json_agg(page.doc order by page.ord desc) from (
          select doc, ord from deliveries where endpoint_id = $1 and ($2::text is null or status = $2)
            and ($3::text is null or ord < (select ord from cursor))
            order by ord desc limit $4) page), '[]'::json) as docs`,
      [query.endpoint_id, query.status ?? null, query.starting_after ?? null, query.limit + 1],
    )
    if (!rows[0].cursor_found) return undefined
    const data = rows[0].docs
    return { data: data.slice(0, query.limit), has_more: data.length > query.limit }
  }

  async deliverySucceededSince(endpointId: string, since: string) {
    const { rows } = await this.query("select 1 from deliveries where endpoint_id = $1 and status = 'succeeded' and doc->>'updated_at' >= $2 limit 1", [endpointId, since])
    return rows.length > 0
  }

  listPendingDeliveries() {
    return this.all<DeliveryRecord>("select doc from deliveries where status = 'pending' order by next_attempt_at, ord")
  }

  listDeliveriesForEvent(eventId: string) {
    return this.all<DeliveryRecord>('select doc from deliveries where event_id = $1 order by ord', [eventId])
  }

  async createDelivery(delivery: DeliveryRecord) {
    await this.query(ROWS.deliveries.insert, ROWS.deliveries.values(delivery))
  }

  /** Read-modify-write of one delivery under its row lock; `fence` adds a condition (the lease owner). */
  private changeDelivery(id: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined, fenceOwner?: string) {
    return this.inTransaction(async (client) => {
      const { rows } = await client.query<{ doc: DeliveryRecord; lease_owner: string | null }>('select doc, lease_owner from deliveries where id = $1 for update', [id])
      const row = rows[0]
      if (!row || (fenceOwner !== undefined && row.lease_owner !== fenceOwner)) return fenceOwner === undefined ? row?.doc : undefined
      const next = change(structuredClone(row.doc))
      const endLease = fenceOwner !== undefined
      if (!next) {
        if (endLease) await client.query('update deliveries set lease_owner = null, lease_until = null where id = $1', [id])
        return row.doc
      }
      await client.query(
        `update deliveries set status = $2, next_attempt_at = $3, doc = $4::json${endLease ? ', lease_owner = null, lease_until = null' : ''} where id = $1`,
        [id, next.status, next.next_attempt_at, json(next)],
      )
      return next
    })
  }

  updateDelivery(id: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined) {
    return this.changeDelivery(id, change)
  }

  claimDueDeliveries(owner: string, leaseMs: number, limit: number) {
    return this.all<DeliveryRecord>(CLAIM_DUE_DELIVERIES, [owner, leaseMs, limit])
  }

  async claimDelivery(id: string, owner: string, leaseMs: number) {
    const [claimed] = await this.all<DeliveryRecord>(CLAIM_DELIVERY, [id, owner, leaseMs])
    return claimed
  }

  completeDelivery(id: string, owner: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined) {
    return this.changeDelivery(id, change, owner)
  }

  async releaseDelivery(id: string, owner: string) {
    await this.query(RELEASE_DELIVERY, [id, owner])
  }

  claimDuePayouts(owner: string, leaseMs: number, limit: number) {
    return this.all<TransactionRecord>(CLAIM_DUE_PAYOUTS, [owner, leaseMs, limit])
  }

  async claimPayout(transactionId: string, owner: string, leaseMs: number) {
    const [claimed] = await this.all<TransactionRecord>(CLAIM_PAYOUT, [transactionId, owner, leaseMs])
    return claimed
  }

  async releasePayout(transactionId: string, owner: string) {
    await this.query(RELEASE_PAYOUT, [transactionId, owner])
  }
}
