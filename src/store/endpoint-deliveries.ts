/** Holes that may stay before they are swept out (a sweep copies the endpoint's whole list). */
const MIN_HOLES_SWEPT = 1024

/**
 * One endpoint's deliveries in the order they were stored, each with its place in the store-wide
 * order (`ord`, increasing): its delivery log pages newest first from a cursor by a binary search,
 * never a walk of the store's other deliveries nor a sort. A removed delivery (retention) leaves a
 * hole that keeps its ord, so the ords stay sorted without moving the entries after it (with
 * hundreds of thousands of deliveries, every removal would move them); the holes are swept out
 * once they are half the list.
 */
export class EndpointDeliveries {
  private ids: Array<string | undefined> = []
  private ords: number[] = []
  private holes = 0

  get size(): number {
    return this.ids.length - this.holes
  }

  /** A delivery stored after every other (its ord is the highest yet). */
  add(id: string, ord: number): void {
    this.ids.push(id)
    this.ords.push(ord)
  }

  remove(ord: number): void {
    const place = this.before(ord + 1)
    if (place < 0 || this.ords[place] !== ord || this.ids[place] === undefined) return
    this.ids[place] = undefined
    this.holes++
    if (this.holes >= MIN_HOLES_SWEPT && this.holes * 2 >= this.ids.length) this.sweep()
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

  private sweep(): void {
    const ids: string[] = []
    const ords: number[] = []
    for (let i = 0; i < this.ids.length; i++) {
      const id = this.ids[i]
      if (id === undefined) continue
      ids.push(id)
      ords.push(this.ords[i])
    }
    this.ids = ids
    this.ords = ords
    this.holes = 0
  }
}
