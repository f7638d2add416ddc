import type { StoreDocument } from './document.js'
import type { ApiKeyRecord, DeliveryRecord, EventRecord, IdempotencyRecord, TransactionRecord } from './records.js'

/**
 * In-memory lookups over the document's records (the same objects, not copies), so the hot
 * paths (a callback by its token, a key by its hash) never scan a collection.
 */
export class StoreIndexes {
  readonly txById = new Map<string, TransactionRecord>()
  readonly txByCheckout = new Map<string, TransactionRecord>()
  readonly txByPayoutToken = new Map<string, TransactionRecord>()
  readonly txByCallbackToken = new Map<string, TransactionRecord>()
  readonly keyByHash = new Map<string, ApiKeyRecord>()
  readonly idemByScope = new Map<string, IdempotencyRecord>()
  readonly eventById = new Map<string, EventRecord>()
  readonly deliveryById = new Map<string, DeliveryRecord>()
  readonly deliveriesByEvent = new Map<string, DeliveryRecord[]>()

  static of(doc: StoreDocument): StoreIndexes {
    const indexes = new StoreIndexes()
    for (const t of doc.transactions) indexes.transaction(t)
    for (const k of doc.api_keys) indexes.keyByHash.set(k.hash, k)
    for (const r of doc.idempotency) indexes.idemByScope.set(r.scope, r)
    for (const e of doc.events) indexes.eventById.set(e.id, e)
    for (const d of doc.deliveries) indexes.delivery(d)
    return indexes
  }

  /** (Re-)indexes a transaction after it was created or changed (its tokens are stored hashed). */
  transaction(t: TransactionRecord): void {
    this.txById.set(t.id, t)
    this.txByCallbackToken.set(t.callback_token, t)
    if (t.checkout_request_id) this.txByCheckout.set(t.checkout_request_id, t)
    if (t.payout?.callback_token) this.txByPayoutToken.set(t.payout.callback_token, t)
  }

  delivery(d: DeliveryRecord): void {
    this.deliveryById.set(d.id, d)
    const forEvent = this.deliveriesByEvent.get(d.event_id)
    if (forEvent) forEvent.push(d)
    else this.deliveriesByEvent.set(d.event_id, [d])
  }
}
