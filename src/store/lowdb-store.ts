import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Low } from 'lowdb'
import { DataFile, TextFile } from 'lowdb/node'
import { newId } from '../utils/ids.js'
import { DeliveryLeases } from './delivery-leases.js'
import { Journal, syncFile, type JournalEntry } from './journal.js'
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
import type { ListTransactionsQuery, Store, TransactionPage, TransitionInput, TransitionResult } from './store.js'

interface Document {
  version: 1
  meta: Record<string, string>
  next_event_seq: number
  accounts: AccountRecord[]
  api_keys: ApiKeyRecord[]
  transactions: TransactionRecord[]
  idempotency: IdempotencyRecord[]
  events: EventRecord[]
  webhook_endpoints: WebhookEndpointRecord[]
  deliveries: DeliveryRecord[]
}

const emptyDocument = (): Document => ({
  version: 1,
  meta: {},
  next_event_seq: 1,
  accounts: [],
  api_keys: [],
  transactions: [],
  idempotency: [],
  events: [],
  webhook_endpoints: [],
  deliveries: [],
})

/** Records are plain JSON data: a JSON round trip copies them ~3× faster than structuredClone. */
const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T))

type Collection = 'accounts' | 'api_keys' | 'transactions' | 'idempotency' | 'events' | 'webhook_endpoints' | 'deliveries'

/** The key of each collection's records, for journal upserts and deletions. */
const KEY_OF: Record<Collection, string> = {
  accounts: 'id',
  api_keys: 'id',
  transactions: 'id',
  idempotency: 'scope',
  events: 'id',
  webhook_endpoints: 'id',
  deliveries: 'id',
}

/** The journal is folded into the snapshot once it is this large and as large as the snapshot. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024

/** `gateway.json` → `gateway.journal` */
export function journalFileOf(file: string): string {
  return `${file.replace(/\.json$/, '')}.journal`
}

export type StoreDocument = Document

type Dirty = { c: Collection; record: Record<string, unknown> } | { c: Collection; deleted: string }

/** Applies journal entries over a snapshot, in order (upserts by key, deletions). */
function applyJournal(doc: Document, entries: JournalEntry[]): void {
  if (entries.length === 0) return
  const positions = new Map<Collection, Map<string, number>>()
  const positionsOf = (c: Collection) => {
    let map = positions.get(c)
    if (!map) {
      map = new Map((doc[c] as unknown as Array<Record<string, unknown>>).map((r, i) => [String(r[KEY_OF[c]]), i]))
      positions.set(c, map)
    }
    return map
  }
  const removed = new Set<Collection>()
  for (const entry of entries) {
    if ('m' in entry) {
      doc.meta = entry.m
      doc.next_event_seq = Math.max(doc.next_event_seq, entry.s)
      continue
    }
    const c = entry.c as Collection
    if (!(c in KEY_OF)) continue
    const list = doc[c] as unknown as Array<Record<string, unknown> | null>
    const at = positionsOf(c)
    if ('d' in entry) {
      const i = at.get(entry.d)
      if (i !== undefined) {
        list[i] = null
        at.delete(entry.d)
        removed.add(c)
      }
      continue
    }
    const key = String(entry.r[KEY_OF[c]])
    const i = at.get(key)
    if (i !== undefined) list[i] = entry.r
    else {
      at.set(key, list.length)
      list.push(entry.r)
    }
  }
  for (const c of removed) (doc[c] as unknown[]) = (doc[c] as unknown[]).filter((r) => r !== null)
  for (const e of doc.events) doc.next_event_seq = Math.max(doc.next_event_seq, e.seq + 1)
}


/**
 * The embedded store: a lowdb JSON snapshot (rewritten atomically, temp file + rename, so a
 * kill -9 leaves the old or the new file, never a torn one) plus an append-only journal of the
 * records changed since (see journal.ts). Mutations apply to memory synchronously (so
 * compare-and-set is atomic in this process) and concurrent ones share one flush: a caller's
 * promise resolves after an append that began after its change, i.e. once it is on disk.
 */
export class LowdbStore implements Store {
  readonly kind = 'lowdb'
  /** One process owns the file. */
  readonly shared = false
  private readonly db: Low<Document>
  private doc: Document = emptyDocument()
  private writing: Promise<void> = Promise.resolve()
  private queued: Promise<void> | null = null
  private lastSize = 0
  private closed = false
  private readonly journal: Journal
  /** Writes folded snapshots (temp file + rename, lowdb's steno writer). */
  private readonly snapshotFile: TextFile
  private readonly dirty = new Map<string, Dirty>()
  private metaDirty = false

  private readonly txById = new Map<string, TransactionRecord>()
  private readonly txByCheckout = new Map<string, TransactionRecord>()
  private readonly txByPayoutToken = new Map<string, TransactionRecord>()
  private readonly txByCallbackToken = new Map<string, TransactionRecord>()
  private readonly keyByHash = new Map<string, ApiKeyRecord>()
  private readonly idemByScope = new Map<string, IdempotencyRecord>()
  private readonly eventById = new Map<string, EventRecord>()
  private readonly deliveryById = new Map<string, DeliveryRecord>()
  private readonly deliveriesByEvent = new Map<string, DeliveryRecord[]>()
  private readonly leases = new DeliveryLeases()

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true })
    // lowdb reads the snapshot; folds write it through snapshotFile (see flush), compact JSON.
    const adapter = new DataFile<Document>(file, {
      parse: (text) => {
        this.lastSize = Buffer.byteLength(text)
        return JSON.parse(text)
      },
      stringify: (data) => JSON.stringify(data),
    })
    this.db = new Low(adapter, emptyDocument())
    this.snapshotFile = new TextFile(file)
    this.journal = new Journal(journalFileOf(file))
  }

  /** The durable state (snapshot + journal) of a store file, read without opening it: for tests and tools. */
  static async readDocument(file: string): Promise<Document> {
    const { readFile } = await import('node:fs/promises')
    let doc = emptyDocument()
    try {
      doc = { ...doc, ...(JSON.parse(await readFile(file, 'utf8')) as Partial<Document>) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    applyJournal(doc, (await Journal.read(journalFileOf(file))).entries)
    return doc
  }

  async open(): Promise<void> {
    await this.db.read()
    this.doc = { ...emptyDocument(), ...this.db.data }
    this.replay(await this.journal.open())
    this.reindex()
  }

  private replay(entries: JournalEntry[]): void {
    applyJournal(this.doc, entries)
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
    const snapshot = this.journal.size() > Math.max(COMPACT_MIN_BYTES, this.lastSize) ? JSON.stringify(this.doc) : undefined
    await this.journal.append(entries)
    if (snapshot !== undefined) {
      await this.snapshotFile.write(snapshot)
      this.lastSize = Buffer.byteLength(snapshot)
      // The journal may only go once the new snapshot is surely on disk.
      await syncFile(this.file)
      await this.journal.truncate()
    }
  }

  private reindex(): void {
    for (const t of this.doc.transactions) this.indexTransaction(t)
    for (const k of this.doc.api_keys) this.keyByHash.set(k.hash, k)
    for (const r of this.doc.idempotency) this.idemByScope.set(r.scope, r)
    for (const e of this.doc.events) this.eventById.set(e.id, e)
    for (const d of this.doc.deliveries) this.indexDelivery(d)
  }

  private indexDelivery(d: DeliveryRecord): void {
    this.deliveryById.set(d.id, d)
    const forEvent = this.deliveriesByEvent.get(d.event_id)
    if (forEvent) forEvent.push(d)
    else this.deliveriesByEvent.set(d.event_id, [d])
  }

  private indexTransaction(t: TransactionRecord): void {
    this.txById.set(t.id, t)
    this.txByCallbackToken.set(t.callback_token, t)
    if (t.checkout_request_id) this.txByCheckout.set(t.checkout_request_id, t)
    if (t.payout?.callback_token) this.txByPayoutToken.set(t.payout.callback_token, t)
  }

  /** Resolves once a write that started after this call has finished. */
  private persist(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('store is closed'))
    if (this.queued) return this.queued
    const next = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = null
        this.writing = this.flush()
        return this.writing
      })
    this.queued = next
    return next
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.persist().catch(() => undefined)
    this.closed = true
    await this.journal.close()
  }

  sizeBytes(): number {
    return this.lastSize
  }

  async ping() {
    return !this.closed
  }

  /** The only process on this file leads. */
  async tryLead() {
    return true
  }

  async getMeta(key: string) {
    return this.doc.meta[key]
  }

  async setMeta(key: string, value: string) {
    this.doc.meta[key] = value
    this.metaDirty = true
    await this.persist()
  }

  async createAccount(account: AccountRecord) {
    this.doc.accounts.push(this.mark('accounts', clone(account)))
    await this.persist()
  }

  async getAccount(id: string) {
    const found = this.doc.accounts.find((a) => a.id === id)
    return found && clone(found)
  }

  async listAccounts() {
    return clone(this.doc.accounts)
  }

  async createApiKey(key: ApiKeyRecord) {
    const stored = clone(key)
    this.doc.api_keys.push(this.mark('api_keys', stored))
    this.keyByHash.set(stored.hash, stored)
    await this.persist()
  }

  async findApiKeyByHash(hash: string) {
    const found = this.keyByHash.get(hash)
    return found && clone(found)
  }

  async listApiKeys() {
    return clone(this.doc.api_keys)
  }

  async revokeApiKey(id: string, at: string) {
    const found = this.doc.api_keys.find((k) => k.id === id)
    if (!found) return undefined
    found.revoked_at ??= at
    this.mark('api_keys', found)
    await this.persist()
    return clone(found)
  }

  touchApiKey(id: string, at: string) {
    const found = this.doc.api_keys.find((k) => k.id === id)
    // To the minute is enough for "last used", and spares the journal a line on every request.
    if (!found || (found.last_used_at && Date.parse(at) - Date.parse(found.last_used_at) < 60_000)) return
    this.mark('api_keys', Object.assign(found, { last_used_at: at }))
  }

  async insertTransaction(transaction: TransactionRecord, options: { idempotency?: IdempotencyRecord } = {}) {
    const claim = options.idempotency
    if (claim) {
      const existing = this.idemByScope.get(claim.scope)
      if (existing) return { existing: clone(existing) }
      const stored = clone(claim)
      this.doc.idempotency.push(this.mark('idempotency', stored))
      this.idemByScope.set(stored.scope, stored)
    }
    const stored = clone(transaction)
    this.doc.transactions.push(this.mark('transactions', stored))
    this.indexTransaction(stored)
    await this.persist()
    return {}
  }

  async getTransaction(id: string) {
    const found = this.txById.get(id)
    return found && clone(found)
  }

  async findTransactionByCheckoutRequestId(checkoutRequestId: string) {
    const found = this.txByCheckout.get(checkoutRequestId)
    return found && clone(found)
  }

  async findTransactionByCallbackToken(token: string) {
    const found = this.txByCallbackToken.get(token)
    return found && clone(found)
  }

  async findTransactionByPayoutToken(token: string) {
    const found = this.txByPayoutToken.get(token)
    return found && clone(found)
  }

  async listTransactions(query: ListTransactionsQuery): Promise<TransactionPage> {
    const all = this.doc.transactions
    let start = all.length - 1
    if (query.starting_after) {
      const cursor = this.txById.get(query.starting_after)
      const index = cursor ? all.lastIndexOf(cursor) : -1
      if (index < 0) return { data: [], has_more: false }
      start = index - 1
    }
    const data: TransactionRecord[] = []
    for (let i = start; i >= 0; i--) {
      const t = all[i]
      if (t.account_id !== query.account_id || t.mode !== query.mode) continue
      if (query.status && t.status !== query.status) continue
      if (data.length === query.limit) return { data: clone(data), has_more: true }
      data.push(t)
    }
    return { data: clone(data), has_more: false }
  }

  async listPendingTransactions(createdBefore: string) {
    return clone(this.doc.transactions.filter((t) => t.status === 'pending' && t.created_at <= createdBefore))
  }

  async listPendingPayouts() {
    return clone(this.doc.transactions.filter((t) => t.payout?.status === 'pending'))
  }

  async listPayoutsByStatus(status: PayoutStatus, limit: number) {
    const found: TransactionRecord[] = []
    for (const t of this.doc.transactions) {
      if (t.payout?.status !== status) continue
      if (found.length >= limit) break
      found.push(t)
    }
    return clone(found)
  }

  async transition(input: TransitionInput): Promise<TransitionResult | undefined> {
    const current = this.txById.get(input.transactionId)
    if (!current) return undefined
    // One private copy serves guard and patch: what the patch returns may share its parts, and
    // nothing else holds them.
    const view = clone(current)
    if (!input.guard(view)) return undefined
    Object.assign(current, input.patch(view))
    this.indexTransaction(this.mark('transactions', current))
    const events: EventRecord[] = []
    const deliveries: DeliveryRecord[] = []
    const updated = clone(current)
    for (const draft of input.events?.(updated) ?? []) {
      const event: EventRecord = {
        id: newId('evt'),
        seq: this.doc.next_event_seq++,
        account_id: current.account_id,
        mode: current.mode,
        event: draft.event,
        created_at: new Date().toISOString(),
        data: draft.data,
      }
      this.doc.events.push(this.mark('events', event))
      this.metaDirty = true
      this.eventById.set(event.id, event)
      events.push(event)
      for (const endpoint of this.doc.webhook_endpoints) {
        if (endpoint.deleted_at || endpoint.account_id !== event.account_id || endpoint.mode !== event.mode) continue
        if (endpoint.events.length > 0 && !endpoint.events.includes(event.event)) continue
        const delivery: DeliveryRecord = {
          id: newId('del'),
          event_id: event.id,
          endpoint_id: endpoint.id,
          account_id: event.account_id,
          mode: event.mode,
          event: event.event,
          status: 'pending',
          attempts: [],
          next_attempt_at: event.created_at,
          created_at: event.created_at,
          updated_at: event.created_at,
        }
        this.doc.deliveries.push(this.mark('deliveries', delivery))
        this.indexDelivery(delivery)
        deliveries.push(delivery)
      }
    }
    await this.persist()
    return { transaction: updated, events: clone(events), deliveries: clone(deliveries) }
  }

  async getIdempotency(scope: string) {
    const found = this.idemByScope.get(scope)
    return found && clone(found)
  }

  async listInFlightIdempotency() {
    return clone(this.doc.idempotency.filter((r) => r.state === 'in_flight'))
  }

  async saveIdempotency(record: IdempotencyRecord) {
    const existing = this.idemByScope.get(record.scope)
    if (existing) this.mark('idempotency', Object.assign(existing, clone(record)))
    else {
      const stored = clone(record)
      this.doc.idempotency.push(this.mark('idempotency', stored))
      this.idemByScope.set(stored.scope, stored)
    }
    await this.persist()
  }

  async deleteIdempotency(scope: string) {
    if (!this.idemByScope.delete(scope)) return
    this.doc.idempotency = this.doc.idempotency.filter((r) => r.scope !== scope)
    this.markDeleted('idempotency', scope)
    await this.persist()
  }

  async pruneIdempotency(createdBefore: string) {
    const expired = (r: IdempotencyRecord) => r.created_at < createdBefore && r.state !== 'in_flight'
    const gone = this.doc.idempotency.filter(expired)
    if (gone.length === 0) return 0
    for (const r of gone) {
      this.idemByScope.delete(r.scope)
      this.markDeleted('idempotency', r.scope)
    }
    this.doc.idempotency = this.doc.idempotency.filter((r) => !expired(r))
    const removed = gone.length
    await this.persist()
    return removed
  }

  async createWebhookEndpoint(endpoint: WebhookEndpointRecord) {
    this.doc.webhook_endpoints.push(this.mark('webhook_endpoints', clone(endpoint)))
    await this.persist()
  }

  async getWebhookEndpoint(id: string) {
    const found = this.doc.webhook_endpoints.find((e) => e.id === id)
    return found && clone(found)
  }

  async listWebhookEndpoints(accountId: string, mode: Mode) {
    return clone(this.doc.webhook_endpoints.filter((e) => e.account_id === accountId && e.mode === mode && !e.deleted_at))
  }

  async deleteWebhookEndpoint(id: string, at: string) {
    const found = this.doc.webhook_endpoints.find((e) => e.id === id && !e.deleted_at)
    if (!found) return undefined
    found.deleted_at = at
    this.mark('webhook_endpoints', found)
    await this.persist()
    return clone(found)
  }

  async getEvent(id: string) {
    const found = this.eventById.get(id)
    return found && clone(found)
  }

  async listEventsAfter(accountId: string, mode: Mode, afterSeq: number, limit: number) {
    const out: EventRecord[] = []
    for (const e of this.doc.events) {
      if (e.seq <= afterSeq || e.account_id !== accountId || e.mode !== mode) continue
      out.push(e)
      if (out.length >= limit) break
    }
    return clone(out)
  }

  async listAllEventsAfter(afterSeq: number, limit: number) {
    const out: EventRecord[] = []
    for (const e of this.doc.events) {
      if (e.seq <= afterSeq) continue
      out.push(e)
      if (out.length >= limit) break
    }
    return clone(out)
  }

  async lastEventSeq() {
    return this.doc.events.reduce((max, e) => Math.max(max, e.seq), 0)
  }

  async getDelivery(id: string) {
    const found = this.deliveryById.get(id)
    return found && clone(found)
  }

  async listDeliveries(endpointId: string) {
    return clone(this.doc.deliveries.filter((d) => d.endpoint_id === endpointId))
  }

  async listPendingDeliveries() {
    return clone(
      this.doc.deliveries
        .filter((d) => d.status === 'pending')
        .sort((a, b) => (a.next_attempt_at ?? '').localeCompare(b.next_attempt_at ?? '')),
    )
  }

  async listDeliveriesForEvent(eventId: string) {
    return clone(this.deliveriesByEvent.get(eventId) ?? [])
  }

  async createDelivery(delivery: DeliveryRecord) {
    const stored = clone(delivery)
    this.doc.deliveries.push(this.mark('deliveries', stored))
    this.indexDelivery(stored)
    await this.persist()
  }

  async updateDelivery(id: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined) {
    const current = this.deliveryById.get(id)
    if (!current) return undefined
    const next = change(clone(current))
    if (!next) return clone(current)
    this.mark('deliveries', Object.assign(current, clone(next)))
    await this.persist()
    return clone(current)
  }

  async claimDueDeliveries(owner: string, leaseMs: number, limit: number) {
    const now = Date.now()
    const due = this.doc.deliveries
      .filter((d) => d.status === 'pending' && Date.parse(d.next_attempt_at ?? d.created_at) <= now && !this.leases.leased(d.id, now))
      .sort((a, b) => (a.next_attempt_at ?? '').localeCompare(b.next_attempt_at ?? ''))
      .slice(0, limit)
    for (const d of due) this.leases.take(d.id, owner, leaseMs, now)
    return clone(due)
  }

  async claimDelivery(id: string, owner: string, leaseMs: number) {
    const found = this.deliveryById.get(id)
    if (!found || found.status !== 'pending' || !this.leases.take(id, owner, leaseMs)) return undefined
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
}
