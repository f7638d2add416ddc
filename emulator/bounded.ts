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

/** An append-only list that keeps the last `max` items. */
export class BoundedList<T> {
  #items: T[] = []
  readonly #max: number
  constructor(max: number) {
    this.#max = max
  }
  push(item: T): void {
    this.#items.push(item)
    if (this.#items.length > this.#max) this.#items.splice(0, this.#items.length - this.#max)
  }
  toArray(): T[] {
    return [...this.#items]
  }
  clear(): void {
    this.#items = []
  }
}
