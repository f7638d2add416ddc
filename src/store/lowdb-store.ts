import { DeliveryLeases } from './delivery-leases.js'
import { journalFileOf } from './document.js'
import { frozenCopy, frozenFresh } from './frozen.js'
import { LowdbPayments, type LowdbStoreOptions } from './lowdb-payments.js'
import type { DeliveryRecord, EventRecord, Mode, WebhookEndpointRecord } from './records.js'
import type { EventHead } from './state.js'
import type { DeliveryPage, EventDraft, ListEndpointDeliveriesQuery, Store, WebhookEndpointDeletion, WebhookEndpointUpdate } from './store.js'

export { journalFileOf }
export { DEFAULT_MAX_BYTES } from './lowdb-engine.js'
export type { LowdbStoreOptions }

/**
 * The embedded store: lowdb's file adapter under a snapshot + journal (lowdb-engine.ts), payments
 * (lowdb-payments.ts), and here webhook endpoints, events and deliveries.
 */
export class LowdbStore extends LowdbPayments implements Store {
  readonly kind = 'lowdb'
  /** One process owns the file. */
  readonly shared = false
  private readonly leases = new DeliveryLeases()

  constructor(file: string, options: LowdbStoreOptions) {
    super(file, options)
  }

  async createWebhookEndpoint(endpoint: WebhookEndpointRecord) {
    this.writable(true)
    this.put('webhook_endpoints', frozenCopy(endpoint))
    await this.persist()
  }

  async getWebhookEndpoint(id: string) {
    return this.writtenRecord('webhook_endpoints', id)
  }

  async listWebhookEndpoints(accountId: string, mode: Mode) {
    const ids = [...this.state.tables.webhook_endpoints.values()].filter((e) => e.account_id === accountId && e.mode === mode).map((e) => e.id)
    return this.listOf('webhook_endpoints', ids, (e) => !e.deleted_at)
  }

  async deleteWebhookEndpoint(
    id: string,
    at: string,
    pending?: (current: DeliveryRecord) => DeliveryRecord | undefined,
  ): Promise<WebhookEndpointDeletion | undefined> {
    this.writable()
    const found = this.state.get('webhook_endpoints', id)
    if (!found || found.deleted_at) return this.unchanged('webhook_endpoints', id)
    const endpoint = Object.freeze({ ...found, deleted_at: at })
    // Made before the first change to memory: a `pending` that throws changes nothing.
    const pendingChanged = pending ? this.pendingOf(id, pending) : []
    this.put('webhook_endpoints', endpoint)
    for (const d of pendingChanged) this.put('deliveries', d)
    await this.persist()
    return { endpoint, pendingChanged }
  }

  async updateWebhookEndpoint(
    id: string,
    change: (current: WebhookEndpointRecord) => WebhookEndpointRecord | undefined,
    events?: (updated: WebhookEndpointRecord) => EventDraft[],
    pending?: (current: DeliveryRecord) => DeliveryRecord | undefined,
  ): Promise<WebhookEndpointUpdate | undefined> {
    this.writable()
    const stored = this.state.get('webhook_endpoints', id)
    if (!stored || stored.deleted_at) return this.unchanged('webhook_endpoints', id)
    const next = change(stored)
    if (!next) return this.unchanged('webhook_endpoints', id)
    const endpoint = frozenCopy({ ...stored, ...next, id })
    // Made before the first change to memory: a call that throws changes nothing.
    const made = this.eventsOf(endpoint.account_id, endpoint.mode, events?.(endpoint) ?? [], endpoint)
    const pendingChanged = pending ? this.pendingOf(id, pending) : []
    this.put('webhook_endpoints', endpoint)
    for (const d of pendingChanged) this.put('deliveries', d)
    const appended = this.appendEvents(made)
    await this.persist()
    return { endpoint, ...appended, pendingChanged }
  }

  /** The endpoint's pending deliveries no live lease holds, as `change` makes them (those it changes). */
  private pendingOf(endpointId: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined): DeliveryRecord[] {
    const now = this.now()
    const out: DeliveryRecord[] = []
    for (const id of this.state.pendingDeliveries) {
      // The head names the endpoint: only the endpoint's own deliveries are read whole.
      if (this.state.tables.deliveries.get(id)?.endpoint_id !== endpointId || this.leases.leased(id, now)) continue
      const current = this.state.get('deliveries', id)!
      const next = change(current)
      if (next) out.push(frozenFresh({ ...current, ...next, id }))
    }
    return out
  }

  async getEvent(id: string) {
    return this.writtenRecord('events', id)
  }

  async listEventsAfter(accountId: string, mode: Mode, afterSeq: number, limit: number) {
    return this.eventsAfter(afterSeq, limit, (e) => e.account_id === accountId && e.mode === mode)
  }

  async listAllEventsAfter(afterSeq: number, limit: number) {
    return this.eventsAfter(afterSeq, limit, () => true)
  }

  /**
   * Answers at once, with what the disk holds: each event is checked, so waiting for the flush in
   * progress would only add the events it writes, which their writers publish once written.
   */
  private eventsAfter(afterSeq: number, limit: number, wanted: (e: EventHead) => boolean): EventRecord[] {
    this.answering()
    const list = this.state.eventList
    const out: EventRecord[] = []
    for (let i = this.state.eventsAfter(afterSeq); i < list.length && out.length < limit; i++) {
      const disk = this.eventOnDisk(list[i])
      // Events are written in seq order: the first not on disk yet ends the list. A stream gets it
      // from the bus once its write is done; shown earlier, a crash would lose it and give its
      // seq to another event, which a client resuming after that seq would never see.
      if (disk === 'not yet') break
      if (disk === 'on disk' && wanted(list[i])) out.push(this.state.eventOf(list[i]))
    }
    return out
  }

  /** The last event on disk: one whose write has not ended is not answered (its seq could go to another after a crash). */
  async lastEventSeq() {
    this.answering()
    const list = this.state.eventList
    let i = list.length - 1
    while (i >= 0 && this.eventOnDisk(list[i]) !== 'on disk') i--
    return i >= 0 ? list[i].seq : 0
  }

  async getDelivery(id: string) {
    return this.writtenRecord('deliveries', id)
  }

  async listEndpointDeliveries(query: ListEndpointDeliveriesQuery): Promise<DeliveryPage | undefined> {
    this.answering()
    // A delivery retention removed leaves the log only once its removal is on disk (a crash before
    // would bring it back): the page waits for that write.
    for (const { key, base } of this.unwrittenOf('deliveries', true)) {
      if (base?.endpoint_id === query.endpoint_id) await this.onceWritten('deliveries', key)
    }
    const list = this.state.deliveriesOfEndpoint(query.endpoint_id)
    // A cursor of another endpoint is not in this one's list: no page from it.
    const cursor = query.starting_after === undefined ? undefined : (list?.placeOf(query.starting_after) ?? -1)
    if (cursor === -1) return undefined
    if (!list) return { data: [], has_more: false }
    const data: DeliveryRecord[] = []
    // Deliveries stored after this point are not visited: a page does not wait for newer ones.
    let place = cursor === undefined ? list.before(Number.POSITIVE_INFINITY) : cursor - 1
    // The list's status is memory's: it is trusted to skip a delivery only when nothing of it waits to be written.
    let unwritten = this.unwrittenDeliveries()
    while (place >= 0) {
      const id = list.idAt(place)
      if (id === undefined || (query.status !== undefined && !list.hasStatus(place, query.status) && !unwritten.has(id))) {
        place--
        continue
      }
      if (!this.written('deliveries', id)) {
        // Read as the disk holds it, once written; one not stored at all yet is left out (see
        // onceWritten). A sweep of the list's holes meanwhile moves places: found again by its ord.
        const ord = list.ordAt(place)
        const stored = await this.onceWritten('deliveries', id, true)
        place = list.before(stored ? ord + 1 : ord)
        unwritten = this.unwrittenDeliveries()
        continue
      }
      place--
      const head = this.state.tables.deliveries.get(id)
      if (!head || (query.status !== undefined && head.status !== query.status)) continue
      if (data.length === query.limit) return { data, has_more: true }
      data.push(this.state.get('deliveries', id!)!)
    }
    return { data, has_more: false }
  }

  /** Deliveries with a change not written yet (on any endpoint: a flush's worth at most). */
  private unwrittenDeliveries(): Set<string> {
    return new Set(this.unwrittenOf('deliveries').map((u) => u.key))
  }

  async deliverySucceededSince(endpointId: string, since: string) {
    // Only succeeded deliveries are read from their text, newest first (a recent success ends it).
    const ids: string[] = []
    for (const d of this.state.tables.deliveries.values()) if (d.endpoint_id === endpointId && d.status === 'succeeded') ids.push(d.id as string)
    const found = await this.listOf('deliveries', ids.reverse(), (d) => d.status === 'succeeded' && d.updated_at >= since, 1)
    return found.length > 0
  }

  /**
   * A list's deliveries, and those retention removed that were in it, so that the list leaves them
   * out only once the removal is on disk (no walk unless a removal waits to be written).
   */
  private withUnwrittenRemovals(ids: string[], inList: (base: Record<string, unknown>) => boolean): string[] {
    const removed = this.unwrittenOf('deliveries', true)
    if (removed.length === 0) return ids
    const all = new Set(ids)
    for (const { key, base } of removed) if (base && inList(base)) all.add(key)
    return [...all]
  }

  /** Pending deliveries soonest first. */
  private soonestFirst(deliveries: DeliveryRecord[]): DeliveryRecord[] {
    return deliveries.sort((a, b) => (a.next_attempt_at ?? '').localeCompare(b.next_attempt_at ?? ''))
  }

  async listPendingDeliveries() {
    // Also those whose change (perhaps its outcome, or a removal) is not written yet.
    const ids = new Set(this.state.pendingDeliveries)
    for (const { key } of this.unwrittenOf('deliveries')) ids.add(key)
    return this.soonestFirst(await this.listOf('deliveries', ids, (d) => d.status === 'pending'))
  }

  async listDeliveriesForEvent(eventId: string) {
    return this.listOf('deliveries', this.withUnwrittenRemovals(this.state.deliveriesOfEvent(eventId), (d) => d.event_id === eventId))
  }

  async createDelivery(delivery: DeliveryRecord) {
    this.writable(true)
    this.put('deliveries', frozenCopy(delivery))
    await this.persist()
  }

  async updateDelivery(id: string, change: (current: DeliveryRecord) => DeliveryRecord | undefined) {
    this.writable()
    const current = this.state.get('deliveries', id)
    if (!current) return this.unchanged('deliveries', id)
    const next = change(current)
    if (!next) return (await this.unchanged('deliveries', id)) ?? current
    // A record built here (only the change's own new parts are copied, not the whole record again).
    const updated = frozenFresh({ ...current, ...next, id })
    this.put('deliveries', updated)
    await this.persist()
    return updated
  }

  /** A delivery with a change not written yet is left for a later round: nothing is sent from what a crash could take back. */
  async claimDueDeliveries(owner: string, leaseMs: number, limit: number) {
    this.answering()
    const now = this.now()
    const written = [...this.state.pendingDeliveries].filter((id) => this.written('deliveries', id)).map((id) => this.state.get('deliveries', id)!)
    const due = this.soonestFirst(written)
      .filter((d) => Date.parse(d.next_attempt_at ?? d.created_at) <= now && !this.leases.leased(d.id, now))
      .slice(0, limit)
    for (const d of due) this.leases.take(d.id, owner, leaseMs, now)
    return due
  }

  async claimDelivery(id: string, owner: string, leaseMs: number) {
    // Leased in the same step as the check that nothing of it waits to be written.
    while (!this.written('deliveries', id)) await this.onceWritten('deliveries', id)
    const found = this.state.get('deliveries', id)
    if (!found || found.status !== 'pending' || !this.leases.take(id, owner, leaseMs, this.now())) return undefined
    return found
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
