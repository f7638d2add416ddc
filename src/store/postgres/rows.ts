import { payoutDueAt } from '../payout-leases.js'
import type {
  AccountRecord,
  ApiKeyRecord,
  DeliveryRecord,
  EventRecord,
  IdempotencyRecord,
  TransactionRecord,
  WebhookEndpointRecord,
} from '../records.js'

/**
 * How each record becomes a row: the whole record as JSON (`doc`) next to the columns it is found,
 * ordered or claimed by. One place for the store and for `mpg db import`.
 */
const json = (value: unknown) => JSON.stringify(value)

export interface RowWriter<T> {
  insert: string
  values(record: T): unknown[]
}

export const ROWS = {
  accounts: { insert: 'insert into accounts (id, doc) values ($1, $2::json)', values: (a: AccountRecord) => [a.id, json(a)] },
  api_keys: { insert: 'insert into api_keys (id, hash, doc) values ($1, $2, $3::json)', values: (k: ApiKeyRecord) => [k.id, k.hash, json(k)] },
  transactions: {
    insert: `insert into transactions (id, account_id, mode, status, checkout_request_id, callback_token, payout_token, payout_status, created_at, doc, payout_due_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::json, $11)`,
    values: (t: TransactionRecord) => [
      t.id,
      t.account_id,
      t.mode,
      t.status,
      t.checkout_request_id,
      t.callback_token,
      t.payout?.callback_token ?? null,
      t.payout?.status ?? null,
      t.created_at,
      json(t),
      payoutDueAt(t.payout),
    ],
  },
  idempotency: {
    insert: 'insert into idempotency (scope, state, created_at, doc) values ($1, $2, $3, $4::json)',
    values: (r: IdempotencyRecord) => [r.scope, r.state, r.created_at, json(r)],
  },
  events: {
    insert: 'insert into events (seq, id, account_id, mode, doc) values ($1, $2, $3, $4, $5::json)',
    values: (e: EventRecord) => [e.seq, e.id, e.account_id, e.mode, json(e)],
  },
  webhook_endpoints: {
    insert: 'insert into webhook_endpoints (id, account_id, mode, deleted, doc) values ($1, $2, $3, $4, $5::json)',
    values: (e: WebhookEndpointRecord) => [e.id, e.account_id, e.mode, e.deleted_at !== null, json(e)],
  },
  deliveries: {
    insert: 'insert into deliveries (id, event_id, endpoint_id, status, next_attempt_at, doc) values ($1, $2, $3, $4, $5, $6::json)',
    values: (d: DeliveryRecord) => [d.id, d.event_id, d.endpoint_id, d.status, d.next_attempt_at, json(d)],
  },
} satisfies Record<string, RowWriter<never>>

/**
 * A push's insert with its Idempotency-Key claimed, as one statement (one round trip, its own
 * transaction): the transaction's row ($1…$11, as ROWS.transactions) is inserted only if the key
 * ($12…$15, as ROWS.idempotency) was. A key held by a transaction not yet committed makes this
 * wait for it; taken, nothing is stored (no row: rowCount 0).
 */
export const CLAIM_AND_INSERT_TRANSACTION = `with claimed as (
    insert into idempotency (scope, state, created_at, doc) values ($12, $13, $14, $15::json) on conflict (scope) do nothing returning scope
  )
  insert into transactions (id, account_id, mode, status, checkout_request_id, callback_token, payout_token, payout_status, created_at, doc, payout_due_at)
  select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::json, $11 from claimed`

/** Rewrites every column of an existing transaction from the record. */
export const UPDATE_TRANSACTION = `update transactions set account_id = $2, mode = $3, status = $4, checkout_request_id = $5, callback_token = $6,
  payout_token = $7, payout_status = $8, created_at = $9, doc = $10::json, payout_due_at = $11 where id = $1`

/** The tables holding gateway data (not schema_migrations), in an order inserts may follow. */
export const DATA_TABLES = ['meta', 'accounts', 'api_keys', 'transactions', 'idempotency', 'events', 'webhook_endpoints', 'deliveries'] as const
