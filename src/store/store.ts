import type {
  AccountRecord,
  ApiKeyRecord,
  DeliveryRecord,
  DeliveryStatus,
  EventRecord,
  EventType,
  IdempotencyRecord,
  Mode,
  PayoutStatus,
  TransactionRecord,
  TransactionStatus,
  WebhookEndpointRecord,
} from './records.js'

/**
 * Whether an endpoint gets a delivery of an event. The rule is the webhooks' own
 * (src/webhooks/subscriptions.ts); a store is given it when it is built, so that the deliveries of
 * an event are stored in the same write as the event and the state change that caused it.
 */
export type DeliveryRule = (endpoint: WebhookEndpointRecord, event: EventRecord) => boolean

/** The first (pending, due now) delivery of an event to one endpoint. */
export function firstDelivery(id: string, event: EventRecord, endpointId: string): DeliveryRecord {
  return {
    id,
    event_id: event.id,
    endpoint_id: endpointId,
    account_id: event.account_id,
    mode: event.mode,
    event: event.event,
    status: 'pending',
    attempts: [],
    next_attempt_at: event.created_at,
    created_at: event.created_at,
    updated_at: event.created_at,
  }
}

export interface EventDraft {
  event: EventType
  data: Record<string, unknown>
}

export interface TransitionInput {
  transactionId: string
  /** The change applies only when this holds for the stored record (compare-and-set). */
  guard: (current: TransactionRecord) => boolean
  /** Fields to change, computed from the current record. */
  patch: (current: TransactionRecord) => Partial<TransactionRecord>
  /** Events this change causes, built from the updated record; stored with it atomically. */
  events?: (updated: TransactionRecord) => EventDraft[]
  /**
   * Fence: the change applies only while this owner holds the transaction's payout lease (see
   * claimPayout). A worker whose lease ran out and was taken over records nothing.
   */
  payoutLeaseOwner?: string
}

export interface TransitionResult {
  transaction: TransactionRecord
  events: EventRecord[]
  deliveries: DeliveryRecord[]
}

export interface WebhookEndpointUpdate {
  endpoint: WebhookEndpointRecord
  events: EventRecord[]
  /** The new deliveries of `events`. */
  deliveries: DeliveryRecord[]
  /** The endpoint's pending deliveries changed with it (see updateWebhookEndpoint's `pending`). */
  pendingChanged: DeliveryRecord[]
}

export interface WebhookEndpointDeletion {
  endpoint: WebhookEndpointRecord
  /** The endpoint's pending deliveries changed with it (see deleteWebhookEndpoint's `pending`). */
  pendingChanged: DeliveryRecord[]
}

export interface TransactionPage {
  data: TransactionRecord[]
  has_more: boolean
}

export interface DeliveryPage {
  data: DeliveryRecord[]
  has_more: boolean
}

export interface ListEndpointDeliveriesQuery {
  endpoint_id: string
  status?: DeliveryStatus
  limit: number
  /** Cursor: the id of the last delivery of the previous page. */
  starting_after?: string
}

export interface ListTransactionsQuery {
  account_id: string
  mode: Mode
  status?: TransactionStatus
  /** Only transactions whose reference equals this exactly (case-sensitive). */
  reference?: string
  limit: number
  /** Cursor: the id of the last transaction of the previous page. */
  starting_after?: string
}

/**
 * Persistence behind one interface. Every method that changes state resolves only once the
 * change is durable, so a caller may acknowledge a request as soon as the promise resolves, and
 * no read returns a change that is not durable yet.
 * Kept narrow so a PostgreSQL implementation can follow (each mutating call is one SQL transaction).
 *
 * Errors: a storage problem rejects with a `StorageError` (./errors.ts; the API answers 503).
 * A store that can no longer vouch for what it holds (a durable write failed) becomes *failed*:
 * every later call rejects, `failure()` returns the error and `whenFailed()` resolves with it, so
 * the process can stop and restart from what is durable. A store that cannot get into that state
 * (a database that rolls a failed transaction back) returns undefined and a promise that never resolves.
 */
export interface Store {
  /** Which engine this is (shown by /health). */
  readonly kind: 'lowdb' | 'postgres'
  /**
   * True when other gateway processes may write to the same store: events they store reach this
   * process only through the store (see FeedBus), not through its in-process bus.
   */
  readonly shared: boolean
  /** Opens (and checks) the store; a damaged or foreign store rejects with a StorageError naming it. */
  open(): Promise<void>
  /** Flushes and releases the store; idempotent. */
  close(): Promise<void>
  /** Size of the last written document in bytes (0 when not file-backed). */
  sizeBytes(): number
  /** Whether the store answers now (for /health); never throws. */
  ping(): Promise<boolean>
  /**
   * Whether this process is the one leader among those sharing the store (reconciliation,
   * housekeeping, start-up recovery, bootstrap). Cheap to call often; a lost leadership is
   * retaken on a later call. Leader work is idempotent, so a brief double leader does no harm.
   */
  tryLead(): Promise<boolean>
  /**
   * Gives the leadership up now, if held (a serverless round ends: the instance may be frozen
   * next, and must not keep it). The next tryLead, here or elsewhere, may take it again.
   * Absent where leadership is not shared (one process per store).
   */
  resign?(): Promise<void>
  /** The error that made the store failed, if it is. */
  failure(): Error | undefined
  /** Resolves when (if ever) the store becomes failed. */
  whenFailed(): Promise<Error>

  getMeta(key: string): Promise<string | undefined>
  setMeta(key: string, value: string): Promise<void>

  createAccount(account: AccountRecord): Promise<void>
  getAccount(id: string): Promise<AccountRecord | undefined>
  listAccounts(): Promise<AccountRecord[]>

  createApiKey(key: ApiKeyRecord): Promise<void>
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>
  listApiKeys(): Promise<ApiKeyRecord[]>
  revokeApiKey(id: string, at: string): Promise<ApiKeyRecord | undefined>
  /** Best-effort bookkeeping (to the minute); durable with the next write. */
  touchApiKey(id: string, at: string): void

  /**
   * Stores a new transaction. With `idempotency`, the key is claimed in the same write: when the
   * key is already taken nothing is stored and the existing record is returned instead.
   */
  insertTransaction(transaction: TransactionRecord, options?: { idempotency?: IdempotencyRecord }): Promise<{ existing?: IdempotencyRecord }>
  getTransaction(id: string): Promise<TransactionRecord | undefined>
  findTransactionByCheckoutRequestId(checkoutRequestId: string): Promise<TransactionRecord | undefined>
  findTransactionByCallbackToken(token: string): Promise<TransactionRecord | undefined>
  findTransactionByPayoutToken(token: string): Promise<TransactionRecord | undefined>
  listTransactions(query: ListTransactionsQuery): Promise<TransactionPage>
  listPendingTransactions(createdBefore: string): Promise<TransactionRecord[]>
  /** Transactions whose payout still needs work (status pending), for resuming after a restart. */
  listPendingPayouts(): Promise<TransactionRecord[]>
  /** Transactions whose payout is in `status` (e.g. `needs_attention`), oldest first, at most `limit`. */
  listPayoutsByStatus(status: PayoutStatus, limit: number): Promise<TransactionRecord[]>
  /** Atomic compare-and-set of one transaction plus the events (and their deliveries) it causes. */
  transition(input: TransitionInput): Promise<TransitionResult | undefined>

  getIdempotency(scope: string): Promise<IdempotencyRecord | undefined>
  /** Records left `in_flight` by a crash, to settle at start-up. */
  listInFlightIdempotency(): Promise<IdempotencyRecord[]>
  saveIdempotency(record: IdempotencyRecord): Promise<void>
  deleteIdempotency(scope: string): Promise<void>
  /** Removes up to `limit` (default: all) keys created before `createdBefore` that are not in flight; returns how many went. */
  pruneIdempotency(createdBefore: string, limit?: number): Promise<number>
  /**
   * Retention, one bounded batch (call again while it removes `limit`): up to `limit` finished
   * deliveries (never a pending one) created before `before`, then up to `limit` events created
   * before it that have no delivery left. Transactions are never pruned.
   */
  pruneHistory(before: string, limit: number): Promise<{ events: number; deliveries: number }>

  createWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void>
  getWebhookEndpoint(id: string): Promise<WebhookEndpointRecord | undefined>
  listWebhookEndpoints(accountId: string, mode: Mode): Promise<WebhookEndpointRecord[]>
  /**
   * Marks an endpoint deleted (undefined when it is missing or deleted already). `pending` changes,
   * in the same write, each pending delivery of the endpoint that no live lease holds, as
   * updateWebhookEndpoint's does (a delete fails them).
   */
  deleteWebhookEndpoint(
    id: string,
    at: string,
    pending?: (current: DeliveryRecord) => DeliveryRecord | undefined,
  ): Promise<WebhookEndpointDeletion | undefined>
  /**
   * Atomic read-modify-write of one endpoint that is not deleted (`change` returns undefined to
   * leave it as it is), stored with the events the change causes; those get a delivery per
   * matching endpoint of the account that is neither deleted nor disabled. `pending` changes, in
   * the same write, each pending delivery of the endpoint that no live lease holds (a disable fails
   * them); a delivery whose attempt is in flight is left to the worker that records it.
   */
  updateWebhookEndpoint(
    id: string,
    change: (current: WebhookEndpointRecord) => WebhookEndpointRecord | undefined,
    events?: (updated: WebhookEndpointRecord) => EventDraft[],
    pending?: (current: DeliveryRecord) => DeliveryRecord | undefined,
  ): Promise<WebhookEndpointUpdate | undefined>

  getEvent(id: string): Promise<EventRecord | undefined>
  /**
   * Events of one account and mode with seq > afterSeq, oldest first. An event never becomes
   * visible after one with a higher seq, so resuming after the last seq read misses nothing.
   */
  listEventsAfter(accountId: string, mode: Mode, afterSeq: number, limit: number): Promise<EventRecord[]>
  /** Events of every account with seq > afterSeq, oldest first (the feed of a shared store). */
  listAllEventsAfter(afterSeq: number, limit: number): Promise<EventRecord[]>
  /** The highest event seq stored (0 when none). */
  lastEventSeq(): Promise<number>

  getDelivery(id: string): Promise<DeliveryRecord | undefined>
  /**
   * One page of an endpoint's deliveries, newest first in the order they were stored (not by
   * created_at, which ties), after `starting_after`. Undefined when `starting_after` is not a
   * delivery of this endpoint (another's, unknown, or removed by retention), found in the same read
   * as the page: a cursor pruned meanwhile is never an empty last page. Reads the page and one more
   * (has_more), never the endpoint's whole log.
   */
  listEndpointDeliveries(query: ListEndpointDeliveriesQuery): Promise<DeliveryPage | undefined>
  /**
   * Whether a delivery to the endpoint was recorded as succeeded at or after `since` (its
   * updated_at). A check, not a list: the endpoint may have months of deliveries.
   */
  deliverySucceededSince(endpointId: string, since: string): Promise<boolean>
  /** Deliveries still pending, soonest first: the persisted queue. */
  listPendingDeliveries(): Promise<DeliveryRecord[]>
  /** Deliveries of one event (one per matching endpoint). */
  listDeliveriesForEvent(eventId: string): Promise<DeliveryRecord[]>
  createDelivery(delivery: DeliveryRecord): Promise<void>
  /** Atomic read-modify-write of one delivery; `change` returns undefined to leave it as it is. */
  updateDelivery(id: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined): Promise<DeliveryRecord | undefined>

  /**
   * Leases up to `limit` pending deliveries that are due (by the store's clock) and not leased
   * by a live lease, soonest first, to `owner` for `leaseMs`. Two workers never get the same one
   * while its lease runs; a lease that ran out (its worker died) is taken again.
   */
  claimDueDeliveries(owner: string, leaseMs: number, limit: number): Promise<DeliveryRecord[]>
  /** Leases one pending delivery (due or not) unless another owner's lease runs. */
  claimDelivery(id: string, owner: string, leaseMs: number): Promise<DeliveryRecord | undefined>
  /**
   * Records an attempt's outcome and ends the lease, only while `owner` still holds it (fenced):
   * undefined when the lease was lost (it ran out and another worker took the delivery).
   */
  completeDelivery(id: string, owner: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined): Promise<DeliveryRecord | undefined>
  /** Gives a lease back unused (stopping mid-attempt), so another worker may take it now. */
  releaseDelivery(id: string, owner: string): Promise<void>

  /**
   * Leases up to `limit` pending M-Pesa payouts whose next step (a B2C attempt or a Transaction
   * Status query, see payoutDueAt) is due by the store's clock and that no live lease holds, to
   * `owner` for `leaseMs`. Any process may run a payout this way; two never run one at once.
   */
  claimDuePayouts(owner: string, leaseMs: number, limit: number): Promise<TransactionRecord[]>
  /** Leases the pending payout of one transaction (due or not) unless another owner's lease runs. */
  claimPayout(transactionId: string, owner: string, leaseMs: number): Promise<TransactionRecord | undefined>
  /** Ends `owner`'s payout lease (its step is recorded, or it gives up), so any process may take the next step. */
  releasePayout(transactionId: string, owner: string): Promise<void>
}
