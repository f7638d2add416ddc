/** Holes that may stay before they are swept out (a sweep copies the endpoint's whole list). */
const MIN_HOLES_SWEPT = 1024

/**
 * One endpoint's deliveries in the order they were stored, each with its place in the store-wide
 * order (`ord`, increasing): its delivery log pages newest first without walking the store's other
 * deliveries nor sorting. A removed delivery (retention) leaves a hole that keeps its ord, so the
 * ords stay sorted for a binary search and no entry after it moves (with hundreds of thousands of
 * deliveries, every removal would move them); the holes are swept out once they are half the list.
 * No map from id to place (~50 bytes more per delivery): a cursor is looked for from the newest
 * end (where the pages a client asks for are), a removal from the last one's place.
 */
export class EndpointDeliveries {
  private ids: Array<string | undefined> = []
  private ords: number[] = []
  private holes = 0
  /** Where the last removal was: retention removes in the order stored, so the next one is just after it. */
  private lastRemoved = 0

  get size(): number {
    return this.ids.length - this.holes
  }

  /** A delivery stored after every other (its ord is the highest yet). */
  add(id: string, ord: number): void {
    this.ids.push(id)
    this.ords.push(ord)
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

  /** The place of the newest delivery stored before `ord` (-1: none); walk down from it with idAt(). */
  before(ord: number): number {
    let lo = 0
    let hi = this.ords.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ords[mid] < ord) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  /** The delivery at a place (undefined: a hole). */
  idAt(place: number): string | undefined {
    return this.ids[place]
  }

  ordAt(place: number): number {
    return this.ords[place]
  }

  private removalPlaceOf(id: string): number {
    const after = this.ids.indexOf(id, this.lastRemoved)
    // One retention stepped over while it was pending comes later, before the last removal.
    return after >= 0 ? after : this.ids.lastIndexOf(id, this.lastRemoved)
  }

  private sweep(): void {
    const ids: string[] = []
    const ords: number[] = []
    let lastRemoved = 0
    for (let i = 0; i < this.ids.length; i++) {
      if (i === this.lastRemoved) lastRemoved = ids.length
      const id = this.ids[i]
      if (id === undefined) continue
      ids.push(id)
      ords.push(this.ords[i])
    }
    this.ids = ids
    this.ords = ords
    this.holes = 0
    this.lastRemoved = lastRemoved
  }
}
