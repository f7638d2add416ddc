import { newId } from '../utils/ids.js'
import { isoTime } from '../utils/iso-time.js'
import { cold, coolable, type Cold } from './cold.js'
import type { ShardedMap } from './sharded-map.js'
import { keepEventText } from './event-texts.js'
import { PayoutLeases } from './payout-leases.js'
import { frozenCopy, frozenFresh } from './frozen.js'
import { copyTransaction } from './transaction-copy.js'
import type { Collection, StoreDocument } from './document.js'
import { LowdbEngine, type LowdbEngineOptions } from './lowdb-engine.js'
import type { EventHead } from './state.js'
import { pruneLowdbHistory, pruneLowdbIdempotency } from './lowdb-retention.js'
import { callbackTokenHash, hashCallbackTokens } from './tokens.js'
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
import {
  firstDelivery,
  type DeliveryRule,
  type EventDraft,
  type ListTransactionsQuery,
  type TransactionPage,
  type TransitionInput,
  type TransitionResult,
} from './store.js'

/** Events made for a change (and their deliveries), not stored yet; `texts`: each event as the store keeps it. */
interface MadeEvents {
  events: EventRecord[]
  texts: Array<Cold<EventHead>>
  deliveries: DeliveryRecord[]
}

export interface LowdbStoreOptions extends LowdbEngineOptions {
  /** Which endpoints get a delivery of an event (the webhooks' rule). */
  deliverTo: DeliveryRule
  /**
   * Business time (the gateway's clock): events are stamped with it (their first delivery is due
   * then), and it decides which deliveries and payouts are due and how long leases run. Default Date.now.
   */
  now?: () => number
}

/**
 * The embedded store's accounts, keys, payments (with their payouts and the events they cause),
 * Idempotency-Keys and retention; lowdb-store.ts adds webhook endpoints, events and deliveries.
 * Records are immutable (frozen.ts): reads return the stored records themselves, never copies,
 * and a change stores a new record sharing the unchanged parts of the old one.
 */
export abstract class LowdbPayments extends LowdbEngine {
  private readonly deliverTo: DeliveryRule
  /** Business time (see LowdbStoreOptions.now). */
  protected readonly now: () => number
  private readonly payoutLeases = new PayoutLeases()

  constructor(file: string, options: LowdbStoreOptions) {
    super(file, options)
    this.deliverTo = options.deliverTo
    this.now = options.now ?? Date.now
  }

  async getMeta(key: string) {
    this.answering()
    return this.metaOnDisk[key]
  }

  async setMeta(key: string, value: string) {
    this.writable()
    this.state.meta = Object.freeze({ ...this.state.meta, [key]: value })
    this.metaChanged()
    await this.persist()
  }

  async createAccount(account: AccountRecord) {
    this.writable(true)
    this.put('accounts', frozenCopy(account))
    await this.persist()
  }

  async getAccount(id: string) {
    return this.writtenRecord('accounts', id)
  }

  async listAccounts() {
    return this.listOf('accounts', [...this.state.tables.accounts.values()].map((a) => a.id))
  }

  async createApiKey(key: ApiKeyRecord) {
    this.writable(true)
    this.put('api_keys', frozenCopy(key))
    await this.persist()
  }

  async findApiKeyByHash(hash: string) {
    // Keys are never removed: one not in the index was never stored.
    const id = this.state.keyByHash.get(hash)
    return this.writtenRecord('api_keys', id)
  }

  async listApiKeys() {
    return this.listOf('api_keys', [...this.state.tables.api_keys.values()].map((k) => k.id))
  }

  async revokeApiKey(id: string, at: string) {
    this.writable()
    const found = this.state.get('api_keys', id)
    if (!found) return undefined
    const revoked = found.revoked_at ? found : Object.freeze({ ...found, revoked_at: at })
    this.put('api_keys', revoked)
    await this.persist()
    return revoked
  }

  touchApiKey(id: string, at: string) {
    if (this.failedWith || this.closed) return
    const found = this.state.get('api_keys', id)
    // To the minute is enough for "last used", and spares the journal a line on every request.
    // The same clock minute in both texts is less than a minute apart: no parsing on every request.
    const last = found?.last_used_at
    if (!found || (last && (sameIsoMinute(at, last) || Date.parse(at) - Date.parse(last) < 60_000))) return
    this.put('api_keys', Object.freeze({ ...found, last_used_at: at }))
  }

  async insertTransaction(transaction: TransactionRecord, options: { idempotency?: IdempotencyRecord } = {}): Promise<{ existing?: IdempotencyRecord }> {
    const claim = options.idempotency
    if (claim && this.state.tables.idempotency.has(claim.scope)) {
      // Answered from the key's record once it is on disk; a key released meanwhile (its removal
      // written) is free: claimed afresh, as on PostgreSQL.
      const existing = await this.writtenRecord('idempotency', claim.scope)
      return existing ? { existing } : this.insertTransaction(transaction, options)
    }
    this.writable(true)
    // Made before the first change to memory: an insert that throws claims no key.
    const stored = copyTransaction(transaction)
    hashCallbackTokens(stored)
    const record = frozenFresh(stored)
    if (claim) this.put('idempotency', frozenCopy(claim))
    this.put('transactions', record)
    await this.persist()
    return {}
  }

  async getTransaction(id: string) {
    return this.writtenRecord('transactions', id)
  }

  async findTransactionByCheckoutRequestId(checkoutRequestId: string) {
    return this.transactionBy(this.state.txByCheckout, checkoutRequestId)
  }

  async findTransactionByCallbackToken(token: string) {
    return this.transactionBy(this.state.txByCallbackToken, callbackTokenHash(token))
  }

  async findTransactionByPayoutToken(token: string) {
    return this.transactionBy(this.state.txByPayoutToken, callbackTokenHash(token))
  }

  /**
   * A payment found through an index, as a read of it by id answers (transactions are never
   * removed: one not in the index is on disk under that key by no version either).
   */
  private transactionBy(index: ShardedMap<string>, key: string) {
    return this.writtenRecord('transactions', index.get(key))
  }

  /**
   * The records under `keys` a list shows, in that order: each once nothing of it waits to be
   * written; one not stored at all yet is left out (see onceWritten). `keep` is asked of the
   * written version, so a change that moves a record in or out of the list counts only once on disk.
   */
  protected async listOf<C extends Collection>(c: C, keys: Iterable<string>, keep?: (r: StoreDocument[C][number]) => boolean, limit = Number.POSITIVE_INFINITY) {
    this.answering()
    const out: Array<StoreDocument[C][number]> = []
    for (const key of keys) {
      if (out.length === limit) break
      const r = this.written(c, key) ? this.state.get(c, key) : await this.onceWritten(c, key, true)
      if (r !== undefined && (keep === undefined || keep(r))) out.push(r)
    }
    return out
  }

  async listTransactions(query: ListTransactionsQuery): Promise<TransactionPage> {
    this.answering()
    // Payments stored after this point are not visited: a list does not wait for newer ones.
    const order = this.state.txOrder
    let start = order.length - 1
    if (query.starting_after) {
      const place = this.state.txPlace.get(query.starting_after)
      if (place === undefined) return { data: [], has_more: false }
      start = place - 1
    }
    const data: TransactionRecord[] = []
    for (let i = start; i >= 0; i--) {
      const id = order[i]
      const head = this.state.tables.transactions.get(id)!
      // (Account and mode never change; status and reference are read from the written version.)
      if (head.account_id !== query.account_id || head.mode !== query.mode) continue
      const written = this.written('transactions', id)
      const t = written ? head : await this.onceWritten('transactions', id, true)
      if (!t) continue
      if (query.status && t.status !== query.status) continue
      if (query.reference !== undefined && t.reference !== query.reference) continue
      if (data.length === query.limit) return { data, has_more: true }
      data.push(written ? this.state.get('transactions', id)! : (t as TransactionRecord))
    }
    return { data, has_more: false }
  }

  /**
   * For the reconciler's passes: a payment with a change not written yet is left out (the next
   * pass finds it), so a pass never waits for a write nor acts on what a crash could take back.
   */
  async listPendingTransactions(createdBefore: string) {
    this.answering()
    const found: TransactionRecord[] = []
    // The pending index, oldest first: the reconciler never walks settled payments, nor (in
    // creation order, the usual case) the pending ones too young to be due.
    const { pendingTx, pendingInCreationOrder, tables } = this.state
    for (const id of pendingTx) {
      if (tables.transactions.get(id)!.created_at > createdBefore) {
        if (pendingInCreationOrder) break
        continue
      }
      if (this.written('transactions', id)) found.push(this.state.get('transactions', id)!)
    }
    return found
  }

  async listPendingPayouts() {
    return this.listPayoutsByStatus('pending', Number.POSITIVE_INFINITY)
  }

  async listPayoutsByStatus(status: PayoutStatus, limit: number) {
    // Also those whose change (perhaps out of this status) is not written yet: left out only once it is.
    const ids = new Set(this.state.payoutsByStatus.get(status))
    for (const { key } of this.unwrittenOf('transactions')) if (this.state.tables.transactions.has(key)) ids.add(key)
    return this.listOf('transactions', this.oldestFirst(ids), (t) => t.payout?.status === status, limit)
  }

  /** Transaction ids, oldest first. */
  private oldestFirst(ids: Iterable<string>): string[] {
    return [...ids].sort((a, b) => this.state.txPlace.get(a)! - this.state.txPlace.get(b)!)
  }

  async transition(input: TransitionInput): Promise<TransitionResult | undefined> {
    this.writable()
    const current = this.state.get('transactions', input.transactionId)
    if (!current) return undefined
    if (input.payoutLeaseOwner !== undefined && !this.payoutLeases.holds(current.id, input.payoutLeaseOwner)) return undefined
    if (!input.guard(current)) return this.unchanged('transactions', current.id)
    // The current version copied by copyTransaction (its fields inside the object, where a spread
    // copy of a frozen record keeps most of them in a second object), then the change laid over it:
    // the same fields in the same order as `{ ...current, ...patch }`.
    const next = Object.assign(copyTransaction(current), input.patch(current))
    hashCallbackTokens(next)
    const updated = frozenFresh(next)
    // Everything made before the first change to memory: a call that throws changes nothing (a
    // change left in memory would be written by the next flush, unacknowledged, without its event).
    const made = this.eventsOf(updated.account_id, updated.mode, input.events?.(updated) ?? [])
    this.put('transactions', updated)
    const { events, deliveries } = this.appendEvents(made)
    await this.persist()
    return { transaction: updated, events, deliveries }
  }

  /**
   * Events of one account and mode, with a delivery per endpoint the webhooks' rule picks: made,
   * not stored (appendEvents stores them), so that a draft or rule that throws changes nothing.
   * `changed`: an endpoint's new version, not stored yet, that the rule reads instead of the stored one.
   */
  protected eventsOf(accountId: string, mode: Mode, drafts: EventDraft[], changed?: WebhookEndpointRecord): MadeEvents {
    const events: EventRecord[] = []
    const texts: Array<Cold<EventHead>> = []
    const deliveries: DeliveryRecord[] = []
    for (const draft of drafts) {
      const event: EventRecord = frozenFresh({
        id: newId('evt'),
        seq: this.state.nextEventSeq + events.length,
        account_id: accountId,
        mode,
        event: draft.event,
        created_at: isoTime(this.now()),
        data: draft.data,
      })
      events.push(event)
      // Its text too (events are kept as text): JSON.stringify throws here, before any change, on data that is not JSON.
      const stored = cold<EventHead>('events', JSON.stringify(event), event as unknown as Record<string, unknown>)
      texts.push(stored)
      keepEventText(event, stored)
      for (const stored of this.state.tables.webhook_endpoints.values()) {
        const endpoint = stored.id === changed?.id ? changed : stored
        if (this.deliverTo(endpoint, event)) deliveries.push(frozenFresh(firstDelivery(newId('del'), event, endpoint.id)))
      }
    }
    return { events, texts, deliveries }
  }

  /** Stores what eventsOf made (in the journal, each event before its deliveries). */
  protected appendEvents(made: MadeEvents): { events: EventRecord[]; deliveries: DeliveryRecord[] } {
    let d = 0
    for (let i = 0; i < made.events.length; i++) {
      this.put('events', made.texts[i])
      for (; d < made.deliveries.length && made.deliveries[d].event_id === made.events[i].id; d++) this.put('deliveries', made.deliveries[d])
    }
    if (made.events.length > 0) {
      this.state.nextEventSeq += made.events.length
      this.metaChanged()
    }
    return { events: made.events, deliveries: made.deliveries }
  }

  async getIdempotency(scope: string) {
    return this.writtenRecord('idempotency', scope)
  }

  async listInFlightIdempotency() {
    const scopes = new Set([...this.state.tables.idempotency.values()].filter((r) => r.state === 'in_flight').map((r) => r.scope))
    // Also keys whose change (perhaps their outcome, or their removal) is not written yet.
    for (const { key } of this.unwrittenOf('idempotency')) scopes.add(key)
    return this.listOf('idempotency', scopes, (r) => r.state === 'in_flight')
  }

  async saveIdempotency(record: IdempotencyRecord) {
    this.writable()
    // A key with its outcome is kept cold (its text, made at once): no frozen copy is needed.
    this.put('idempotency', coolable('idempotency', record as unknown as Record<string, unknown>) ? record : frozenCopy(record))
    await this.persist()
  }

  async deleteIdempotency(scope: string) {
    this.writable()
    if (!this.remove('idempotency', scope)) return this.unchanged('idempotency', scope)
    await this.persist()
  }

  async pruneIdempotency(createdBefore: string, limit = Number.POSITIVE_INFINITY) {
    this.writable()
    const removed = pruneLowdbIdempotency(this.state, createdBefore, limit, (scope) => this.remove('idempotency', scope))
    if (removed > 0) await this.persist()
    return removed
  }

  /**
   * What the disk holds of an event on the replay list: the event ('on disk': written, or removed
   * by retention with the removal not written yet), nothing yet ('not yet': its write has not
   * ended), or no more ('removed': retention's removal is written; it leaves the list next).
   */
  protected eventOnDisk(head: EventHead): 'on disk' | 'not yet' | 'removed' {
    const written = this.written('events', head.id)
    if (this.state.tables.events.has(head.id)) return written ? 'on disk' : 'not yet'
    if (written) return 'removed'
    return this.unstored('events', head.id) ? 'not yet' : 'on disk'
  }

  async pruneHistory(before: string, limit: number) {
    this.writable()
    const { events, deliveries, eventsThroughSeq } = pruneLowdbHistory(this.state, { before, limit }, (c, key) => this.remove(c, key))
    if (events + deliveries > 0) await this.persist()
    // Replays (event lists, streams) answer an event until its removal is on disk, which it is now:
    // off the replay list (those a later pass removed and has not written yet stay).
    if (events > 0) this.state.dropEventsThrough(eventsThroughSeq, (e) => this.eventOnDisk(e) !== 'removed')
    return { events, deliveries }
  }

  /** A payout with a change not written yet is left for a later pass: nothing is sent from what a crash could take back. */
  async claimDuePayouts(owner: string, leaseMs: number, limit: number) {
    this.answering()
    const written = this.oldestFirst(this.state.payoutsByStatus.get('pending') ?? []).filter((id) => this.written('transactions', id))
    return this.payoutLeases.claimDue(written.map((id) => this.state.get('transactions', id)!), owner, leaseMs, limit, this.now())
  }

  async claimPayout(transactionId: string, owner: string, leaseMs: number) {
    // Leased in the same step as the check that nothing of it waits to be written.
    while (!this.written('transactions', transactionId)) await this.onceWritten('transactions', transactionId)
    return this.payoutLeases.claim(this.state.get('transactions', transactionId), owner, leaseMs, this.now())
  }

  async releasePayout(transactionId: string, owner: string) {
    this.payoutLeases.end(transactionId, owner)
  }
}

/** Two `toISOString()` texts (`2026-11-30T00:41:07.123Z`) of the same minute: equal up to the minutes. */
function sameIsoMinute(a: string, b: string): boolean {
  if (a.length !== 24 || b.length !== 24 || a.charCodeAt(23) !== 90 || b.charCodeAt(23) !== 90) return false
  for (let i = 0; i < 16; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false
  return true
}
