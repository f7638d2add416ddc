import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { newId } from '../utils/ids.js'
import { DeliveryLeases } from './delivery-leases.js'
import { PayoutLeases } from './payout-leases.js'
import { applyJournal, emptyDocument, journalFileOf, KEY_OF, readSnapshot, type Collection, type StoreDocument } from './document.js'
import { StorageError, storageCause } from './errors.js'
import { ensurePrivateDir, keepPrivate, writeFileAtomic } from './files.js'
import { StoreIndexes } from './indexes.js'
import { callbackTokenHash, hashCallbackTokens } from './tokens.js'
import { Journal, type JournalEntry } from './journal.js'
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
} from './records.js'
import { firstDelivery, type DeliveryRule, type EventDraft, type ListTransactionsQuery, type Store, type TransactionPage, type TransitionInput, type TransitionResult, type WebhookEndpointUpdate } from './store.js'

export { journalFileOf }

/** Records are plain JSON data: a JSON round trip copies them ~3× faster than structuredClone. */
const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T))

/** The journal is folded into the snapshot once it is this large and as large as the snapshot. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024

/**
 * The snapshot is one JSON string, and V8's longest string is 2^29 − 24 characters (~512 M).
 * Past this many bytes of snapshot + journal (an upper bound of the document's JSON size: every
 * character is at least one byte) the store refuses new work; the ~256 MB left below V8's limit
 * are for the work already accepted (its callbacks, payouts, events and deliveries) to finish.
 */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024

const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MiB` : `${Math.round(n / 1024)} KiB`)

/** A failed fold is tried again after this long (the journal keeps everything meanwhile). */
const FOLD_RETRY_MS = 10_000

export interface LowdbStoreOptions {
  /** Which endpoints get a delivery of an event (the webhooks' rule). */
  deliverTo: DeliveryRule
  /** New work is refused past this size of snapshot + journal (default DEFAULT_MAX_BYTES); everything stops at 1.5×. */
  maxBytes?: number
  /** The journal is folded once it is past this size and as large as the snapshot (default 4 MiB). */
  foldMinBytes?: number
  /** Operational warnings (a file mode fixed, a torn line kept, a fold that failed). */
  warn?: (message: string, fields: Record<string, unknown>) => void
  /**
   * Business time (the gateway's clock): events are stamped with it (their first delivery is due
   * then), and it decides which deliveries and payouts are due and how long leases run. Default Date.now.
   */
  now?: () => number
}

type Dirty = { c: Collection; record: Record<string, unknown> } | { c: Collection; deleted: string }

/**
 * The embedded store: a lowdb JSON snapshot (rewritten atomically, so a kill -9 leaves the old or
 * the new file, never a torn one) plus an append-only journal of the records changed since (see
 * journal.ts). Mutations apply to memory synchronously (so compare-and-set is atomic in this
 * process) and concurrent ones share one flush: a caller's promise resolves after an append that
 * began after its change, i.e. once it is on disk. Reads wait for a flush in progress, so nothing
 * read was not on disk first.
 *
 * Failure model (as PostgreSQL answers a failed fsync): when an append fails, the journal is cut
 * back to its last whole line and the store is *failed*: memory may hold changes the disk does
 * not, so every later call (reads too) rejects with the same StorageError, `whenFailed()`
 * resolves, and the process is expected to exit and start again from what is on disk.
 */
export class LowdbStore implements Store {
  readonly kind = 'lowdb'
  /** One process owns the file. */
  readonly shared = false
  private doc: StoreDocument = emptyDocument()
  private idx = new StoreIndexes()
  private writing: Promise<void> = Promise.resolve()
  private queued: Promise<void> | null = null
  private lastSize = 0
  private closed = false
  private failedWith: StorageError | undefined
  private readonly failed: Promise<StorageError>
  private signalFailure!: (error: StorageError) => void
  private readonly journal: Journal
  private readonly dirty = new Map<string, Dirty>()
  private metaDirty = false
  private foldPausedUntil = 0
  private readonly deliverTo: DeliveryRule
  private readonly now: () => number
  private readonly maxBytes: number
  private readonly foldMinBytes: number
  private readonly warn: (message: string, fields: Record<string, unknown>) => void

  private readonly leases = new DeliveryLeases()
  private readonly payoutLeases = new PayoutLeases()

  constructor(
    readonly file: string,
    options: LowdbStoreOptions,
  ) {
    this.deliverTo = options.deliverTo
    this.now = options.now ?? Date.now
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
    this.foldMinBytes = options.foldMinBytes ?? COMPACT_MIN_BYTES
    this.warn = options.warn ?? (() => undefined)
    this.journal = new Journal(journalFileOf(file), this.warn)
    this.failed = new Promise((resolve) => (this.signalFailure = resolve))
  }

  async open(): Promise<void> {
    const dir = dirname(this.file)
    await ensurePrivateDir(dir, this.warn)
    const { doc, bytes } = await readSnapshot(this.file)
    this.lastSize = bytes
    applyJournal(doc, await this.journal.open())
    this.doc = doc
    // A store written before callback tokens were hashed: hash them now, and fold at once so
    // that no file keeps them in clear.
    const migrated = doc.transactions.filter((t) => hashCallbackTokens(t)).length
    this.idx = StoreIndexes.of(doc)
    if (migrated > 0) {
      await this.fold(JSON.stringify(doc))
      this.warn('store.callback_tokens_hashed', { transactions: migrated })
    }
    // Everything in the data dir (snapshot, journal, tokens, keys, kept torn lines) is private.
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isFile()) await keepPrivate(join(dir, entry.name), this.warn)
    }
  }

  failure(): StorageError | undefined {
    return this.failedWith
  }

  whenFailed(): Promise<StorageError> {
    return this.failed
  }

  private fail(cause: unknown): StorageError {
    if (!this.failedWith) {
      this.failedWith =
        cause instanceof StorageError
          ? cause
          : new StorageError(
              'write_failed',
              `Cannot write the store journal ${this.journal.file}: ${storageCause(cause)}. The store refuses every call until the gateway restarts from what is on disk.`,
              'Free disk space (or fix the disk) and restart the gateway; everything it acknowledged is on disk.',
              { file: this.journal.file, cause },
            )
      this.signalFailure(this.failedWith)
    }
    return this.failedWith
  }

  /** Snapshot + journal bytes: never less than the document's JSON length. */
  private estimatedBytes(): number {
    return this.lastSize + this.journal.size()
  }

  /** Throws unless a change may be made now; `newWork` is refused earlier, at the size ceiling. */
  private writable(newWork = false): void {
    if (this.failedWith) throw this.failedWith
    if (this.closed) throw new StorageError('closed', 'The store is closed.', 'The gateway is stopping; retry once it is back.')
    const size = this.estimatedBytes()
    const limit = newWork ? this.maxBytes : this.maxBytes * 1.5
    if (size > limit) {
      throw new StorageError(
        'full',
        `The store ${this.file} holds ${formatBytes(size)}, past its ${formatBytes(limit)} ceiling (the snapshot is one JSON string, which has a hard size limit), so it takes no ${newWork ? 'new work' : 'more changes'}.`,
        'Move to the PostgreSQL store, or archive old transactions into another data dir; payments already accepted still finish.',
        { file: this.file },
      )
    }
  }

  /** Waits for a flush in progress, so a read never returns what is not on disk yet. */
  private async readable(): Promise<void> {
    if (this.failedWith) throw this.failedWith
    try {
      await (this.queued ?? this.writing)
    } catch (error) {
      throw this.failedWith ?? error
    }
  }

  /** Records that a record changed (or was created); written with the next flush. */
  private mark<T extends object>(c: Collection, record: T): T {
    const r = record as unknown as Record<string, unknown>
    this.dirty.set(`${c}\u0000${String(r[KEY_OF[c]])}`, { c, record: r })
    return record
  }

  private markDeleted(c: Collection, key: string): void {
    this.dirty.set(`${c}\u0000${key}`, { c, deleted: key })
  }

  /** One flush: append what changed; fold the journal into the snapshot when it has grown. */
  private async flush(): Promise<void> {
    if (this.failedWith) throw this.failedWith
    const entries: JournalEntry[] = []
    if (this.metaDirty) {
      entries.push({ m: this.doc.meta, s: this.doc.next_event_seq })
      this.metaDirty = false
    }
    for (const d of this.dirty.values()) entries.push('deleted' in d ? { c: d.c, d: d.deleted } : { c: d.c, r: d.record })
    this.dirty.clear()
    // A fold's snapshot is taken in the same synchronous step as the entries (append serialises
    // them before its first await), so it holds exactly what the journal will hold: a crash
    // before the journal is cut replays entries the snapshot already has, and nothing newer.
    const snapshot = this.foldDue() ? this.serialise() : undefined
    try {
      await this.journal.append(entries)
    } catch (error) {
      throw this.fail(error)
    }
    if (snapshot !== undefined) await this.fold(snapshot)
  }

  private foldDue(): boolean {
    return this.journal.size() > Math.max(this.foldMinBytes, this.lastSize) && Date.now() >= this.foldPausedUntil
  }

  private serialise(): string | undefined {
    try {
      return JSON.stringify(this.doc)
    } catch (error) {
      // Too large for one string: the journal keeps everything, and the size ceiling stops growth.
      this.foldPausedUntil = Date.now() + FOLD_RETRY_MS
      this.warn('store.fold_failed', { file: this.file, message: (error as Error).message })
      return undefined
    }
  }

  /** Replaces the snapshot, then empties the journal. A failed snapshot write loses nothing: the journal still holds it all. */
  private async fold(snapshot: string): Promise<void> {
    try {
      await writeFileAtomic(this.file, snapshot)
    } catch (error) {
      this.foldPausedUntil = Date.now() + FOLD_RETRY_MS
      this.warn('store.fold_failed', { file: this.file, message: storageCause(error) })
      return
    }
    this.lastSize = Buffer.byteLength(snapshot)
    try {
      await this.journal.truncate()
    } catch (error) {
      throw this.fail(error)
    }
  }

  /** Resolves once a write that started after this call has finished. */
  private persist(): Promise<void> {
    if (this.failedWith) return Promise.reject(this.failedWith)
    if (this.queued) return this.queued
    const next = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = null
        this.writing = this.flush()
        this.writing.catch(() => undefined)
        return this.writing
      })
    next.catch(() => undefined)
    this.queued = next
    return next
  }

  async close(): Promise<void> {
    if (this.closed) return
    if (!this.failedWith) await this.persist().catch(() => undefined)
    this.closed = true
    await this.writing.catch(() => undefined)
    await this.journal.close()
  }

  sizeBytes(): number {
    return this.lastSize
  }

  async ping() {
    return !this.closed && !this.failedWith
  }

  /** The only process on this file leads. */
  async tryLead() {
    return true
  }

  async getMeta(key: string) {
    await this.readable()
    return this.doc.meta[key]
  }

  async setMeta(key: string, value: string) {
    this.writable()
    this.doc.meta[key] = value
    this.metaDirty = true
    await this.persist()
  }

  async createAccount(account: AccountRecord) {
    this.writable(true)
    this.doc.accounts.push(this.mark('accounts', clone(account)))
    await this.persist()
  }

  async getAccount(id: string) {
    await this.readable()
    const found = this.doc.accounts.find((a) => a.id === id)
    return found && clone(found)
  }

  async listAccounts() {
    await this.readable()
    return clone(this.doc.accounts)
  }

  async createApiKey(key: ApiKeyRecord) {
    this.writable(true)
    const stored = clone(key)
    this.doc.api_keys.push(this.mark('api_keys', stored))
    this.idx.keyByHash.set(stored.hash, stored)
    await this.persist()
  }

  async findApiKeyByHash(hash: string) {
    await this.readable()
    const found = this.idx.keyByHash.get(hash)
    return found && clone(found)
  }

  async listApiKeys() {
    await this.readable()
    return clone(this.doc.api_keys)
  }

  async revokeApiKey(id: string, at: string) {
    this.writable()
    const found = this.doc.api_keys.find((k) => k.id === id)
    if (!found) return undefined
    found.revoked_at ??= at
    this.mark('api_keys', found)
    await this.persist()
    return clone(found)
  }

  touchApiKey(id: string, at: string) {
    if (this.failedWith || this.closed) return
    const found = this.doc.api_keys.find((k) => k.id === id)
    // To the minute is enough for "last used", and spares the journal a line on every request.
    if (!found || (found.last_used_at && Date.parse(at) - Date.parse(found.last_used_at) < 60_000)) return
    this.mark('api_keys', Object.assign(found, { last_used_at: at }))
  }

  async insertTransaction(transaction: TransactionRecord, options: { idempotency?: IdempotencyRecord } = {}) {
    const claim = options.idempotency
    const taken = claim && this.idx.idemByScope.get(claim.scope)
    if (taken) {
      // Answer from the key's record only once it is on disk.
      await this.readable()
      return { existing: clone(this.idx.idemByScope.get(claim.scope) ?? taken) }
    }
    this.writable(true)
    if (claim) {
      const stored = clone(claim)
      this.doc.idempotency.push(this.mark('idempotency', stored))
      this.idx.idemByScope.set(stored.scope, stored)
    }
    const stored = clone(transaction)
    hashCallbackTokens(stored)
    this.doc.transactions.push(this.mark('transactions', stored))
    this.idx.transaction(stored)
    await this.persist()
    return {}
  }

  async getTransaction(id: string) {
    await this.readable()
    const found = this.idx.txById.get(id)
    return found && clone(found)
  }

  async findTransactionByCheckoutRequestId(checkoutRequestId: string) {
    await this.readable()
    const found = this.idx.txByCheckout.get(checkoutRequestId)
    return found && clone(found)
  }

  async findTransactionByCallbackToken(token: string) {
    await this.readable()
    const found = this.idx.txByCallbackToken.get(callbackTokenHash(token))
    return found && clone(found)
  }

  async findTransactionByPayoutToken(token: string) {
    await this.readable()
    const found = this.idx.txByPayoutToken.get(callbackTokenHash(token))
    return found && clone(found)
  }

  async listTransactions(query: ListTransactionsQuery): Promise<TransactionPage> {
    await this.readable()
    const all = this.doc.transactions
    let start = all.length - 1
    if (query.starting_after) {
      const cursor = this.idx.txById.get(query.starting_after)
      const index = cursor ? all.lastIndexOf(cursor) : -1
      if (index < 0) return { data: [], has_more: false }
      start = index - 1
    }
    const data: TransactionRecord[] = []
    for (let i = start; i >= 0; i--) {
      const t = all[i]
      if (t.account_id !== query.account_id || t.mode !== query.mode) continue
      if (query.status && t.status !== query.status) continue
      if (query.reference !== undefined && t.reference !== query.reference) continue
      if (data.length === query.limit) return { data: clone(data), has_more: true }
      data.push(t)
    }
    return { data: clone(data), has_more: false }
  }

  async listPendingTransactions(createdBefore: string) {
    await this.readable()
    return clone(this.doc.transactions.filter((t) => t.status === 'pending' && t.created_at <= createdBefore))
  }

  async listPendingPayouts() {
    await this.readable()
    return clone(this.doc.transactions.filter((t) => t.payout?.status === 'pending'))
  }

  async listPayoutsByStatus(status: PayoutStatus, limit: number) {
    await this.readable()
    const found: TransactionRecord[] = []
    for (const t of this.doc.transactions) {
      if (t.payout?.status !== status) continue
      if (found.length >= limit) break
      found.push(t)
    }
    return clone(found)
  }

  async transition(input: TransitionInput): Promise<TransitionResult | undefined> {
    this.writable()
    const current = this.idx.txById.get(input.transactionId)
    if (!current) return undefined
    if (input.payoutLeaseOwner !== undefined && !this.payoutLeases.holds(current.id, input.payoutLeaseOwner)) return undefined
    // One private copy serves guard and patch: what the patch returns may share its parts, and
    // nothing else holds them.
    const view = clone(current)
    if (!input.guard(view)) return undefined
    Object.assign(current, input.patch(view))
    hashCallbackTokens(current)
    this.idx.transaction(this.mark('transactions', current))
    const updated = clone(current)
    const { events, deliveries } = this.appendEvents(current.account_id, current.mode, input.events?.(updated) ?? [])
    await this.persist()
    return { transaction: updated, events: clone(events), deliveries: clone(deliveries) }
  }

  /** Stores events of one account and mode, with a delivery per matching endpoint that is neither deleted nor disabled. */
  private appendEvents(accountId: string, mode: Mode, drafts: EventDraft[]): { events: EventRecord[]; deliveries: DeliveryRecord[] } {
    const events: EventRecord[] = []
    const deliveries: DeliveryRecord[] = []
    for (const draft of drafts) {
      const event: EventRecord = {
        id: newId('evt'),
        seq: this.doc.next_event_seq++,
        account_id: accountId,
        mode,
        event: draft.event,
        created_at: new Date(this.now()).toISOString(),
        data: draft.data,
      }
      this.doc.events.push(this.mark('events', event))
      this.metaDirty = true
      this.idx.eventById.set(event.id, event)
      events.push(event)
      for (const endpoint of this.doc.webhook_endpoints) {
        if (!this.deliverTo(endpoint, event)) continue
        const delivery = firstDelivery(newId('del'), event, endpoint.id)
        this.doc.deliveries.push(this.mark('deliveries', delivery))
        this.idx.delivery(delivery)
        deliveries.push(delivery)
      }
    }
    return { events, deliveries }
  }

  async getIdempotency(scope: string) {
    await this.readable()
    const found = this.idx.idemByScope.get(scope)
    return found && clone(found)
  }

  async listInFlightIdempotency() {
    await this.readable()
    return clone(this.doc.idempotency.filter((r) => r.state === 'in_flight'))
  }

  async saveIdempotency(record: IdempotencyRecord) {
    this.writable()
    const existing = this.idx.idemByScope.get(record.scope)
    if (existing) this.mark('idempotency', Object.assign(existing, clone(record)))
    else {
      const stored = clone(record)
      this.doc.idempotency.push(this.mark('idempotency', stored))
      this.idx.idemByScope.set(stored.scope, stored)
    }
    await this.persist()
  }

  async deleteIdempotency(scope: string) {
    this.writable()
    if (!this.idx.idemByScope.delete(scope)) return
    this.doc.idempotency = this.doc.idempotency.filter((r) => r.scope !== scope)
    this.markDeleted('idempotency', scope)
    await this.persist()
  }

  async pruneIdempotency(createdBefore: string) {
    this.writable()
    const expired = (r: IdempotencyRecord) => r.created_at < createdBefore && r.state !== 'in_flight'
    const gone = this.doc.idempotency.filter(expired)
    if (gone.length === 0) return 0
    for (const r of gone) {
      this.idx.idemByScope.delete(r.scope)
      this.markDeleted('idempotency', r.scope)
    }
    this.doc.idempotency = this.doc.idempotency.filter((r) => !expired(r))
    const removed = gone.length
    await this.persist()
    return removed
  }

  async createWebhookEndpoint(endpoint: WebhookEndpointRecord) {
    this.writable(true)
    this.doc.webhook_endpoints.push(this.mark('webhook_endpoints', clone(endpoint)))
    await this.persist()
  }

  async getWebhookEndpoint(id: string) {
    await this.readable()
    const found = this.doc.webhook_endpoints.find((e) => e.id === id)
    return found && clone(found)
  }

  async listWebhookEndpoints(accountId: string, mode: Mode) {
    await this.readable()
    return clone(this.doc.webhook_endpoints.filter((e) => e.account_id === accountId && e.mode === mode && !e.deleted_at))
  }

  async deleteWebhookEndpoint(id: string, at: string) {
    this.writable()
    const found = this.doc.webhook_endpoints.find((e) => e.id === id && !e.deleted_at)
    if (!found) return undefined
    found.deleted_at = at
    this.mark('webhook_endpoints', found)
    await this.persist()
    return clone(found)
  }

  async updateWebhookEndpoint(
    id: string,
    change: (current: WebhookEndpointRecord) => WebhookEndpointRecord | undefined,
    events?: (updated: WebhookEndpointRecord) => EventDraft[],
  ): Promise<WebhookEndpointUpdate | undefined> {
    this.writable()
    const stored = this.doc.webhook_endpoints.find((e) => e.id === id && !e.deleted_at)
    if (!stored) return undefined
    const next = change(clone(stored))
    if (!next) return undefined
    Object.assign(stored, clone(next), { id })
    this.mark('webhook_endpoints', stored)
    const appended = this.appendEvents(stored.account_id, stored.mode, events?.(clone(stored)) ?? [])
    await this.persist()
    return { endpoint: clone(stored), events: clone(appended.events), deliveries: clone(appended.deliveries) }
  }

  async getEvent(id: string) {
    await this.readable()
    const found = this.idx.eventById.get(id)
    return found && clone(found)
  }

  async listEventsAfter(accountId: string, mode: Mode, afterSeq: number, limit: number) {
    await this.readable()
    const out: EventRecord[] = []
    for (const e of this.doc.events) {
      if (e.seq <= afterSeq || e.account_id !== accountId || e.mode !== mode) continue
      out.push(e)
      if (out.length >= limit) break
    }
    return clone(out)
  }

  async listAllEventsAfter(afterSeq: number, limit: number) {
    await this.readable()
    const out: EventRecord[] = []
    for (const e of this.doc.events) {
      if (e.seq <= afterSeq) continue
      out.push(e)
      if (out.length >= limit) break
    }
    return clone(out)
  }

  async lastEventSeq() {
    await this.readable()
    return this.doc.events.reduce((max, e) => Math.max(max, e.seq), 0)
  }

  async getDelivery(id: string) {
    await this.readable()
    const found = this.idx.deliveryById.get(id)
    return found && clone(found)
  }

  async listDeliveries(endpointId: string) {
    await this.readable()
    return clone(this.doc.deliveries.filter((d) => d.endpoint_id === endpointId))
  }

  async listPendingDeliveries() {
    await this.readable()
    return clone(
      this.doc.deliveries
        .filter((d) => d.status === 'pending')
        .sort((a, b) => (a.next_attempt_at ?? '').localeCompare(b.next_attempt_at ?? '')),
    )
  }

  async listDeliveriesForEvent(eventId: string) {
    await this.readable()
    return clone(this.idx.deliveriesByEvent.get(eventId) ?? [])
  }

  async createDelivery(delivery: DeliveryRecord) {
    this.writable(true)
    const stored = clone(delivery)
    this.doc.deliveries.push(this.mark('deliveries', stored))
    this.idx.delivery(stored)
    await this.persist()
  }

  async updateDelivery(id: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined) {
    this.writable()
    const current = this.idx.deliveryById.get(id)
    if (!current) return undefined
    const next = change(clone(current))
    if (!next) return clone(current)
    this.mark('deliveries', Object.assign(current, clone(next)))
    await this.persist()
    return clone(current)
  }

  async claimDueDeliveries(owner: string, leaseMs: number, limit: number) {
    await this.readable()
    const now = this.now()
    const due = this.doc.deliveries
      .filter((d) => d.status === 'pending' && Date.parse(d.next_attempt_at ?? d.created_at) <= now && !this.leases.leased(d.id, now))
      .sort((a, b) => (a.next_attempt_at ?? '').localeCompare(b.next_attempt_at ?? ''))
      .slice(0, limit)
    for (const d of due) this.leases.take(d.id, owner, leaseMs, now)
    return clone(due)
  }

  async claimDelivery(id: string, owner: string, leaseMs: number) {
    await this.readable()
    const found = this.idx.deliveryById.get(id)
    if (!found || found.status !== 'pending' || !this.leases.take(id, owner, leaseMs, this.now())) return undefined
    return clone(found)
  }

  async completeDelivery(id: string, owner: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined) {
    if (!this.leases.holds(id, owner)) return undefined
    // updateDelivery applies the change before its first await: the lease ends with it.
    const done = this.updateDelivery(id, change)
    this.leases.end(id, owner)
    return done
  }

  async releaseDelivery(id: string, owner: string) {
    this.leases.end(id, owner)
  }

  async claimDuePayouts(owner: string, leaseMs: number, limit: number) {
    await this.readable()
    return clone(this.payoutLeases.claimDue(this.doc.transactions, owner, leaseMs, limit, this.now()))
  }

  async claimPayout(transactionId: string, owner: string, leaseMs: number) {
    await this.readable()
    return clone(this.payoutLeases.claim(this.idx.txById.get(transactionId), owner, leaseMs, this.now()))
  }

  async releasePayout(transactionId: string, owner: string) {
    this.payoutLeases.end(transactionId, owner)
  }
}
