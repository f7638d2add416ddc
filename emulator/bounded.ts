/** A Map that forgets its oldest entries past `max`, so a long-running emulator keeps bounded memory. */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #max: number
  constructor(max: number) {
    super()
    this.#max = max
  }
  override set(key: K, value: V): this {
    super.set(key, value)
    while (this.size > this.#max) this.delete(this.keys().next().value as K)
    return this
  }
}

/** An append-only list that keeps the last `max` items (a ring: a push past `max` overwrites the oldest, nothing shifts). */
export class BoundedList<T> {
  #items: T[] = []
  /** Where the oldest item sits once the ring is full. */
  #head = 0
  readonly #max: number
  constructor(max: number) {
    this.#max = Math.max(1, max)
  }
  push(item: T): void {
    if (this.#items.length < this.#max) {
      this.#items.push(item)
      return
    }
    this.#items[this.#head] = item
    this.#head = (this.#head + 1) % this.#max
  }
  /** Oldest first. */
  toArray(): T[] {
    return this.#head === 0 ? [...this.#items] : [...this.#items.slice(this.#head), ...this.#items.slice(0, this.#head)]
  }
  clear(): void {
    this.#items = []
    this.#head = 0
  }
}
