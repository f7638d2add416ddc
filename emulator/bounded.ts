/**
 * Keys oldest first from an iterator kept between calls. A fresh `keys()` would step over every
 * entry deleted from the front since V8 last compacted the table (it does so only when the table
 * fills), so evicting one key cost up to ~60 µs in a full 200,000-entry map instead of O(1).
 */
class OldestFirst<K> {
  #keys: Iterator<K> | undefined
  constructor(readonly source: { keys(): Iterator<K> }) {}
  /** The oldest remaining key; only called while the collection holds one. */
  take(): K {
    this.#keys ??= this.source.keys()
    return this.#keys.next().value as K
  }
  /** After clear(): start again from the new first entry. */
  restart(): void {
    this.#keys = undefined
  }
}

/** A Map that forgets its oldest entries past `max`, so a long-running emulator keeps bounded memory. */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #max: number
  readonly #oldest = new OldestFirst<K>(this)
  constructor(max: number) {
    super()
    this.#max = max
  }
  override set(key: K, value: V): this {
    super.set(key, value)
    while (this.size > this.#max) this.delete(this.#oldest.take())
    return this
  }
  override clear(): void {
    super.clear()
    this.#oldest.restart()
  }
}

/** A Set that forgets its oldest members past `max` (the same kept iterator as BoundedMap). */
export class BoundedSet<T> extends Set<T> {
  readonly #max: number
  readonly #oldest = new OldestFirst<T>(this)
  constructor(max: number) {
    super()
    this.#max = max
  }
  override add(value: T): this {
    super.add(value)
    while (this.size > this.#max) this.delete(this.#oldest.take())
    return this
  }
  override clear(): void {
    super.clear()
    this.#oldest.restart()
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

/**
 * Keys in the order they were handed in, at most `max`: the one pushed past `max` goes to `forget`.
 * A ring of keys (no objects per key), so bounding a map's finished records costs O(1) each.
 */
export class KeyRing<K> {
  #keys: K[] = []
  /** Where the oldest key sits once the ring is full. */
  #head = 0
  readonly #max: number
  readonly #forget: (key: K) => void
  constructor(max: number, forget: (key: K) => void) {
    this.#max = Math.max(1, max)
    this.#forget = forget
  }
  push(key: K): void {
    if (this.#keys.length < this.#max) {
      this.#keys.push(key)
      return
    }
    const oldest = this.#keys[this.#head] as K
    this.#keys[this.#head] = key
    this.#head = (this.#head + 1) % this.#max
    this.#forget(oldest)
  }
  clear(): void {
    this.#keys = []
    this.#head = 0
  }
}
