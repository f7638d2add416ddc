import { cold, coolable, decode, isCold, type Cold } from './cold.js'
import { KEY_OF, type Collection, type StoreDocument } from './document.js'
import { EndpointDeliveries } from './endpoint-deliveries.js'
import { seal } from './frozen.js'
import type { PayoutRecord, PayoutStatus, TransactionRecord, DeliveryRecord, EventRecord, IdempotencyRecord } from './records.js'
import { ShardedMap } from './sharded-map.js'
import { Table } from './table.js'

type AnyRecord = Record<string, unknown>

const inSeqOrder = (events: AnyRecord[]) => {
  for (let i = 1; i < events.length; i++) if ((events[i].seq as number) < (events[i - 1].seq as number)) return false
  return true
}

export type EventHead = Pick<EventRecord, 'id' | 'seq' | 'account_id' | 'mode' | 'created_at'>
export type DeliveryHead = Pick<DeliveryRecord, 'id' | 'event_id' | 'endpoint_id' | 'status' | 'created_at'>
export type IdempotencyHead = Pick<IdempotencyRecord, 'scope' | 'state' | 'created_at'>
/** A finished payment's head: what lists filter on and the token and payout indexes read. */
export type TransactionHead = Pick<TransactionRecord, 'id' | 'account_id' | 'mode' | 'reference' | 'status' | 'callback_token' | 'checkout_request_id' | 'created_at'> & {
  payout: Pick<PayoutRecord, 'status' | 'callback_token'> | null
}
interface Heads {
  transactions: TransactionHead
  events: EventHead
  deliveries: DeliveryHead
  idempotency: IdempotencyHead
}

/** What a table holds: records, and for events, deliveries and idempotency also cold ones (cold.ts). */
export type Stored<C extends Collection> = C extends keyof Heads ? StoreDocument[C][number] | Cold<Heads[C]> : StoreDocument[C][number]

/**
 * The embedded store's records in memory: one Table per collection (immutable records, see
 * frozen.ts) and the indexes that keep every hot read and every background pass off a scan: a
 * callback by its token, a key by its hash, the pending payments the reconciler visits, the
 * payouts by status, the pending deliveries the worker claims, events by seq for stream replay.
 */
export class StoreState {
  /** The snapshot file, named when a damaged record is read. */
  file = 'the store'
  meta: Readonly<Record<string, string>> = Object.freeze({})
  nextEventSeq = 1
  readonly tables: { readonly [C in Collection]: Table<Stored<C>> } = {
    accounts: new Table(),
    api_keys: new Table(),
    transactions: new Table(),
    idempotency: new Table(),
    events: new Table(),
    webhook_endpoints: new Table(),
    deliveries: new Table(),
  }

  /** Transaction ids in creation order, and each one's place (lists page newest first from a cursor). */
  readonly txOrder: string[] = []
  // One key per payment each, in shards (sharded-map.ts): no push rehashes a whole index.
  readonly txPlace = new ShardedMap<number>()
  readonly txByCheckout = new ShardedMap<string>()
  readonly txByCallbackToken = new ShardedMap<string>()
  readonly txByPayoutToken = new ShardedMap<string>()
  /** Payments still pending, in the order they became pending: all the reconciler looks at. */
  readonly pendingTx = new Set<string>()
  /**
   * Whether `pendingTx` is also in `created_at` order, so a look for those created before a time
   * may stop at the first younger one instead of walking every pending payment (at 60k pending, a
   * walk held the event loop 30–60 ms every reconciler pass). True unless a payment became pending
   * with an older `created_at` than the last one did (a clock stepped back, records written by
   * hand); then until no payment is pending.
   */
  pendingInCreationOrder = true
  private lastPendingCreatedAt = ''
  readonly payoutsByStatus = new Map<PayoutStatus, Set<string>>()
  readonly keyByHash = new Map<string, string>()
  /** Events in seq order (never changed; pruned from the front): their heads. */
  readonly eventList: EventHead[] = []
  readonly pendingDeliveries = new Set<string>()
  /** Each event's deliveries: one id, or a list when several endpoints get it (no array per event in the common case). */
  private readonly deliveryIdsByEvent = new Map<string, string | string[]>()
  /** Each endpoint's deliveries in the order stored: its delivery log pages from them. */
  private readonly deliveriesByEndpoint = new Map<string, EndpointDeliveries>()
  private nextDeliveryOrd = 0
  /** Each pending delivery's ord: its status change finds it on its endpoint's list by a binary search. */
  private readonly pendingDeliveryOrd = new Map<string, number>()

  /**
   * Builds the state of a replayed document (its records become the store's own, frozen on first
   * use; cold ones may come cold already, see loadDocument).
   */
  static of(doc: StoreDocument): StoreState {
    const lists = (Object.keys(KEY_OF) as Collection[]).map((c) => [c, doc[c] as unknown as AnyRecord[]] as const)
    for (const [c, list] of lists) if (c === 'events' && !inSeqOrder(list)) list.sort((a, b) => (a.seq as number) - (b.seq as number))
    // Each key once (as the store writes its files): every record is new, so it is stored and
    // indexed without looking for an older version. A key twice (a file edited by hand): each
    // record put in turn, the later one replacing the earlier, as a replay does.
    let state = StoreState.empty(doc)
    for (const [c, list] of lists) {
      for (const record of list) state.add(c, record)
      if (state.tables[c].size === list.length) continue
      state = StoreState.empty(doc)
      for (const [c, list] of lists) for (const record of list) state.put(c, record as never)
      break
    }
    return state
  }

  private static empty(doc: StoreDocument): StoreState {
    const state = new StoreState()
    state.meta = Object.freeze({ ...doc.meta })
    state.nextEventSeq = doc.next_event_seq
    return state
  }

  /** put() for a key not stored yet (StoreState.of): no older version to look up or unindex. */
  private add(c: Collection, r: AnyRecord): void {
    const key = String(r[KEY_OF[c]])
    const stored = !isCold(r) && coolable(c, r) ? cold(c, JSON.stringify(r), r) : r
    ;(this.tables[c] as unknown as Table<AnyRecord>).load(key, stored)
    if (c === 'transactions') this.indexTransaction(undefined, stored as unknown as TransactionHead)
    else if (c === 'deliveries') this.indexDelivery(undefined, stored as unknown as DeliveryHead)
    else if (c === 'events') this.eventList.push(stored as unknown as EventHead)
    else if (c === 'api_keys') this.keyByHash.set((r as { hash: string }).hash, key)
  }

  /**
   * Stores a record (new or a new version of one) under its key and updates the indexes. A record
   * that will not change on the hot path again is kept cold (its JSON text; cold.ts). Returns the
   * version it replaced (undefined: none), which the change set keeps as what the disk holds.
   */
  put<C extends Collection>(c: C, record: StoreDocument[C][number] | Stored<C>, key = String((record as unknown as AnyRecord)[KEY_OF[c]])): Stored<C> | undefined {
    const r = record as unknown as AnyRecord
    const stored = (!isCold(r) && coolable(c, r) ? cold(c, JSON.stringify(r), r) : r) as unknown as Stored<C>
    const table = this.tables[c] as unknown as Table<AnyRecord>
    const old = table.put(key, stored as unknown as AnyRecord)
    if (c === 'transactions') this.indexTransaction(old as TransactionHead | undefined, stored as TransactionHead)
    else if (c === 'deliveries') this.indexDelivery(old as DeliveryHead | undefined, stored as DeliveryHead)
    else if (c === 'events' && !old) this.eventList.push(stored as EventHead)
    else if (c === 'api_keys') this.keyByHash.set((record as { hash: string }).hash, key)
    return old as Stored<C> | undefined
  }

  /**
   * Removes a record (idempotency keys, and what retention prunes). Events leave `eventList` only
   * through `dropEventsThrough`, a batch at a time, once their removal is written.
   */
  remove(c: 'idempotency' | 'events' | 'deliveries', key: string): boolean {
    const table = this.tables[c] as unknown as Table<AnyRecord>
    const old = table.get(key)
    if (!old || !table.delete(key)) return false
    if (c === 'deliveries') {
      const d = old as unknown as DeliveryHead
      this.pendingDeliveries.delete(key)
      this.pendingDeliveryOrd.delete(key)
      const rest = this.deliveriesOfEvent(d.event_id).filter((id) => id !== key)
      if (rest.length > 1) this.deliveryIdsByEvent.set(d.event_id, rest)
      else if (rest.length === 1) this.deliveryIdsByEvent.set(d.event_id, rest[0])
      else this.deliveryIdsByEvent.delete(d.event_id)
      this.unlistDelivery(d)
    }
    return true
  }

  /**
   * Gets a record, frozen (records read from the files are frozen on first use, not at start-up;
   * a cold one is parsed from its text).
   */
  get<C extends Collection>(c: C, key: string): StoreDocument[C][number] | undefined {
    const stored = this.tables[c].get(key)
    return stored === undefined ? undefined : (seal(decode(stored as unknown as StoreDocument[C][number], this.file)) as StoreDocument[C][number])
  }

  transactionBy(index: ShardedMap<string>, key: string): TransactionRecord | undefined {
    const id = index.get(key)
    return id === undefined ? undefined : this.get('transactions', id)
  }

  /**
   * Takes the events up to seq `throughSeq` off `eventList`, but those `kept` says stay (still
   * stored, or removed by a change not written yet: the disk still holds them).
   */
  dropEventsThrough(throughSeq: number, kept: (e: EventHead) => boolean): void {
    const count = this.eventsAfter(throughSeq)
    this.eventList.splice(0, count, ...this.eventList.slice(0, count).filter(kept))
  }

  /** An event of `eventList` as the disk holds it (also one removed from its table by a change not written yet). */
  eventOf(head: EventHead): EventRecord {
    return seal(decode(head as unknown as EventRecord, this.file)) as EventRecord
  }

  /** Index of the first event with seq > afterSeq. */
  eventsAfter(afterSeq: number): number {
    let lo = 0
    let hi = this.eventList.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.eventList[mid].seq <= afterSeq) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private indexTransaction(old: TransactionHead | undefined, t: TransactionHead): void {
    if (!old) {
      this.txPlace.set(t.id, this.txOrder.length)
      this.txOrder.push(t.id)
    }
    // A new version mostly keeps its tokens, ids and status: each index is written only when its
    // key changed (payments are never removed, so an unchanged key is indexed already), not looked
    // up again in maps of tens of thousands on every change.
    if (t.callback_token !== old?.callback_token) this.txByCallbackToken.set(t.callback_token, t.id)
    if (t.checkout_request_id && t.checkout_request_id !== old?.checkout_request_id) this.txByCheckout.set(t.checkout_request_id, t.id)
    const payoutToken = t.payout?.callback_token
    if (payoutToken && payoutToken !== old?.payout?.callback_token) this.txByPayoutToken.set(payoutToken, t.id)
    if (t.status === 'pending') {
      if (old?.status !== 'pending') this.addPending(t)
    } else if (old?.status === 'pending' && this.pendingTx.delete(t.id) && this.pendingTx.size === 0) {
      this.pendingInCreationOrder = true
      this.lastPendingCreatedAt = ''
    }
    const was = old?.payout?.status
    const now = t.payout?.status
    if (was === now) return
    if (was) this.payoutsByStatus.get(was)?.delete(t.id)
    if (now) {
      let ids = this.payoutsByStatus.get(now)
      if (!ids) this.payoutsByStatus.set(now, (ids = new Set()))
      ids.add(t.id)
    }
  }

  /** For a payment that was not pending (new, or its last version was not). */
  private addPending(t: TransactionHead): void {
    if (t.created_at < this.lastPendingCreatedAt) this.pendingInCreationOrder = false
    else this.lastPendingCreatedAt = t.created_at
    this.pendingTx.add(t.id)
  }

  /** Ids of an event's deliveries, oldest first. */
  deliveriesOfEvent(eventId: string): string[] {
    const ids = this.deliveryIdsByEvent.get(eventId)
    return ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids
  }

  hasDeliveries(eventId: string): boolean {
    return this.deliveryIdsByEvent.has(eventId)
  }

  /** An endpoint's deliveries in the order stored (undefined: none). */
  deliveriesOfEndpoint(endpointId: string): EndpointDeliveries | undefined {
    return this.deliveriesByEndpoint.get(endpointId)
  }

  /** Returns the delivery's ord. */
  private listDelivery(d: DeliveryHead): number {
    let list = this.deliveriesByEndpoint.get(d.endpoint_id)
    if (!list) this.deliveriesByEndpoint.set(d.endpoint_id, (list = new EndpointDeliveries()))
    const ord = this.nextDeliveryOrd++
    list.add(d.id, ord, d.status)
    return ord
  }

  private unlistDelivery(d: DeliveryHead): void {
    const list = this.deliveriesByEndpoint.get(d.endpoint_id)
    list?.remove(d.id)
    if (list?.size === 0) this.deliveriesByEndpoint.delete(d.endpoint_id)
  }

  private indexDelivery(old: DeliveryHead | undefined, d: DeliveryHead): void {
    let ord: number | undefined
    if (!old) {
      const ids = this.deliveryIdsByEvent.get(d.event_id)
      if (ids === undefined) this.deliveryIdsByEvent.set(d.event_id, d.id)
      else if (typeof ids === 'string') this.deliveryIdsByEvent.set(d.event_id, [ids, d.id])
      else ids.push(d.id)
      ord = this.listDelivery(d)
    } else if (d.status !== old.status) {
      ord = this.deliveriesByEndpoint.get(d.endpoint_id)?.setStatus(d.id, d.status, this.pendingDeliveryOrd.get(d.id))
    }
    if (d.status === 'pending') {
      this.pendingDeliveries.add(d.id)
      if (ord !== undefined) this.pendingDeliveryOrd.set(d.id, ord)
    } else if (old) {
      this.pendingDeliveries.delete(d.id)
      this.pendingDeliveryOrd.delete(d.id)
    }
  }
}
