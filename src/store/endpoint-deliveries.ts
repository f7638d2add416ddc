import type { DeliveryStatus } from './records.js'

/** Holes that may stay before they are swept out (a sweep copies the endpoint's whole list). */
const MIN_HOLES_SWEPT = 1024

// Each entry's status rides in its key's two low bits: a page by status skips the others on a
// list of numbers, without a look-up of each delivery (at 200k deliveries, ~50 ms of the event
// loop for a rare status), and without a word more per delivery.
const STATUS_CODES: Record<DeliveryStatus, number> = { pending: 0, succeeded: 1, failed: 2 }
const keyOf = (ord: number, status: DeliveryStatus) => ord * 4 + STATUS_CODES[status]

/**
 * One endpoint's deliveries in the order they were stored, each with its place in the store-wide
 * order (`ord`, increasing) and its status as stored in memory: its delivery log pages newest first
 * without walking the store's other deliveries nor sorting. A removed delivery (retention) leaves a hole that keeps its ord, so the
 * ords stay sorted for a binary search and no entry after it moves (with hundreds of thousands of
 * deliveries, every removal would move them); the holes are swept out once they are half the list.
 * No map from id to place (~50 bytes more per delivery): a cursor is looked for from the newest
 * end (where the pages a client asks for are), a removal from the last one's place.
 */
export class EndpointDeliveries {
  private ids: Array<string | undefined> = []
  /** keyOf(ord, status), increasing with the ord. */
  private keys: number[] = []
  private holes = 0
  /** Where the last removal was: retention removes in the order stored, so the next one is just after it. */
  private lastRemoved = 0

  get size(): number {
    return this.ids.length - this.holes
  }

  /** A delivery stored after every other (its ord is the highest yet). */
  add(id: string, ord: number, status: DeliveryStatus): void {
    this.ids.push(id)
    this.keys.push(keyOf(ord, status))
  }

  /**
   * A delivery's status changed. With its ord (the store keeps the ords of pending deliveries) it is
   * found by a binary search; without it (a finished delivery sent again), from the newest end. A
   * search from the newest end for every change made an endpoint's backlog of N deliveries, drained
   * oldest first, cost N² (at 40k pending, 0.2 ms of the event loop a change). Returns its ord.
   */
  setStatus(id: string, status: DeliveryStatus, ord?: number): number | undefined {
    const place = ord === undefined ? this.placeOf(id) : this.placeOfOrd(id, ord)
    if (place < 0) return undefined
    const at = this.ordAt(place)
    this.keys[place] = keyOf(at, status)
    return at
  }

  remove(id: string): void {
    const place = this.removalPlaceOf(id)
    if (place < 0) return
    this.ids[place] = undefined
    this.holes++
    this.lastRemoved = place
    if (this.holes >= MIN_HOLES_SWEPT && this.holes * 2 >= this.ids.length) this.sweep()
  }

  /** The place of a delivery (-1: not here), looked for from the newest. */
  placeOf(id: string): number {
    return this.ids.lastIndexOf(id)
  }

  /** The place of a delivery whose ord is known (-1: not here). */
  private placeOfOrd(id: string, ord: number): number {
    const place = this.before(ord + 1)
    return place >= 0 && this.ordAt(place) === ord && this.ids[place] === id ? place : this.placeOf(id)
  }

  /** The place of the newest delivery stored before `ord` (-1: none); walk down from it with idAt(). */
  before(ord: number): number {
    const key = keyOf(ord, 'pending')
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.keys[mid] < key) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  /** The delivery at a place (undefined: a hole). */
  idAt(place: number): string | undefined {
    return this.ids[place]
  }

  ordAt(place: number): number {
    return Math.floor(this.keys[place] / 4)
  }

  /** Whether the delivery at a place has this status, as memory holds it (a change may not be written yet). */
  hasStatus(place: number, status: DeliveryStatus): boolean {
    return this.keys[place] % 4 === STATUS_CODES[status]
  }

  private removalPlaceOf(id: string): number {
    const after = this.ids.indexOf(id, this.lastRemoved)
    // One retention stepped over while it was pending comes later, before the last removal.
    return after >= 0 ? after : this.ids.lastIndexOf(id, this.lastRemoved)
  }

  private sweep(): void {
    const ids: string[] = []
    const keys: number[] = []
    let lastRemoved = 0
    for (let i = 0; i < this.ids.length; i++) {
      if (i === this.lastRemoved) lastRemoved = ids.length
      const id = this.ids[i]
      if (id === undefined) continue
      ids.push(id)
      keys.push(this.keys[i])
    }
    this.ids = ids
    this.keys = keys
    this.holes = 0
    this.lastRemoved = lastRemoved
  }
}
