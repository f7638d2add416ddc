/**
 * Values worked out from a few keys that come back on every request (a URL's split, a secret's
 * HMAC key, a URL's policy check). Memory stays bounded without bookkeeping per hit: when `max`
 * keys are held, the map starts over, and the keys still in use come back at their next use.
 */
export class RecentValues<K, V> {
  readonly #values = new Map<K, V>()
  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    return this.#values.get(key)
  }

  set(key: K, value: V): V {
    if (this.#values.size >= this.max) this.#values.clear()
    this.#values.set(key, value)
    return value
  }

  /** The value kept for `key`, or `make(key)` kept and returned. */
  getOrMake(key: K, make: (key: K) => V): V {
    const known = this.#values.get(key)
    return known !== undefined ? known : this.set(key, make(key))
  }
}
