// A Map grows by rehashing every entry into a table twice as large, in one synchronous step: at
// 131,072 UUID keys one such step took ~11.5 ms here, and a push puts a new key into several of
// the store's Maps at once, which all reach that size on the same push (bench/README.md, "The push
// path's tail at half rate on an idle machine"). The store's indexes, which need no order, are
// ShardedMaps: each shard rehashes only its own keys.

/** Shards of a ShardedMap: 150,000 keys are ~4,700 a shard. */
export const SHARDS = 32

/**
 * A Map of string keys in SHARDS Maps, each key's chosen by its last three characters (the
 * store's keys end in random or counting characters: UUIDs, token hashes, Daraja's ids): one
 * look-up per operation, and each shard rehashes only its own keys. No order: indexes only.
 */
export class ShardedMap<V> {
  private readonly shards: Map<string, V>[] = Array.from({ length: SHARDS }, () => new Map())
  private count = 0

  get size(): number {
    return this.count
  }

  private shardOf(key: string): Map<string, V> {
    const n = key.length
    return this.shards[(n < 3 ? n : key.charCodeAt(n - 1) + 31 * (key.charCodeAt(n - 2) + 31 * key.charCodeAt(n - 3))) & (SHARDS - 1)]
  }

  /** Keys per shard: what one rehash may take at most. */
  shardSizes(): number[] {
    return this.shards.map((s) => s.size)
  }

  get(key: string): V | undefined {
    return this.shardOf(key).get(key)
  }

  has(key: string): boolean {
    return this.shardOf(key).has(key)
  }

  set(key: string, value: V): this {
    const shard = this.shardOf(key)
    const before = shard.size
    shard.set(key, value)
    this.count += shard.size - before
    return this
  }

  delete(key: string): boolean {
    if (!this.shardOf(key).delete(key)) return false
    this.count--
    return true
  }
}
