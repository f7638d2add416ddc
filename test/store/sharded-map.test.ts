import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SHARDS, ShardedMap } from '../../src/store/sharded-map.js'

describe('ShardedMap', () => {
  it('answers as a Map: get, has, set again, delete, size', () => {
    const map = new ShardedMap<number>()
    const plain = new Map<string, number>()
    const ids = Array.from({ length: 4000 }, () => randomUUID())
    for (const [i, id] of ids.entries()) {
      map.set(id, i)
      plain.set(id, i)
    }
    map.set(ids[7], -1)
    plain.set(ids[7], -1)
    expect(map.size).toBe(4000)
    for (const id of ids) expect(map.get(id)).toBe(plain.get(id))
    expect(map.has(ids[3])).toBe(true)
    expect(map.has('nope')).toBe(false)
    expect(map.get('nope')).toBeUndefined()
    expect(map.delete(ids[0])).toBe(true)
    expect(map.delete(ids[0])).toBe(false)
    expect(map.has(ids[0])).toBe(false)
    expect(map.size).toBe(3999)
  })

  it('takes keys of any length, short ones too', () => {
    const map = new ShardedMap<string>()
    for (const key of ['', 'a', 'ab', 'abc', 'ws_CO_1', 'ws_CO_12']) map.set(key, `v${key}`)
    for (const key of ['', 'a', 'ab', 'abc', 'ws_CO_1', 'ws_CO_12']) expect(map.get(key)).toBe(`v${key}`)
    expect(map.size).toBe(6)
  })

  it('spreads the keys over its shards, so that a rehash takes only a shard of them', () => {
    const map = new ShardedMap<number>()
    for (let i = 0; i < 8000; i++) map.set(randomUUID(), i)
    // Daraja's checkout ids end in a counter.
    for (let i = 0; i < 8000; i++) map.set(`ws_CO_${1700000000000 + i}${i}`, i)
    const sizes = map.shardSizes()
    expect(sizes).toHaveLength(SHARDS)
    expect(Math.max(...sizes)).toBeLessThan((16000 / SHARDS) * 3)
  })
})
