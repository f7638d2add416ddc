import { describe, expect, it } from 'vitest'
import { BoundedList, BoundedMap, BoundedSet } from '../../emulator/bounded.js'

describe('BoundedList (the emulator journals)', () => {
  it('keeps the last max items, oldest first, however many were pushed', () => {
    const list = new BoundedList<number>(3)
    expect(list.toArray()).toEqual([])
    list.push(1)
    list.push(2)
    expect(list.toArray()).toEqual([1, 2])
    const pushed = [1, 2]
    for (let i = 3; i <= 10; i++) {
      list.push(i)
      pushed.push(i)
      expect(list.toArray()).toEqual(pushed.slice(-3))
    }
    list.clear()
    list.push(11)
    expect(list.toArray()).toEqual([11])
  })
  it('hands out a copy', () => {
    const list = new BoundedList<number>(2)
    list.push(1)
    list.toArray().push(99)
    expect(list.toArray()).toEqual([1])
  })
})

describe('BoundedMap and BoundedSet (transactions, ledger payments, receipts)', () => {
  /** The same operations on a plain array of keys, oldest first: what the bounded collections must keep. */
  function model(max: number) {
    let keys: number[] = []
    return {
      set(key: number) {
        if (!keys.includes(key)) keys.push(key)
        keys = keys.slice(-max)
      },
      delete(key: number) {
        keys = keys.filter((k) => k !== key)
      },
      clear() {
        keys = []
      },
      keys: () => keys,
    }
  }

  it('keep the newest max entries in insertion order through many evictions, deletes, updates and clears', () => {
    const max = 50
    const map = new BoundedMap<number, string>(max)
    const set = new BoundedSet<number>(max)
    const expected = model(max)
    // A fixed pseudo-random walk: mostly new keys (evicting), some updates, deletes and two clears.
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    let next = 0
    for (let step = 0; step < 20_000; step++) {
      const roll = random()
      if (step === 5_000 || step === 12_345) {
        map.clear()
        set.clear()
        expected.clear()
      } else if (roll < 0.8) {
        const key = next++
        map.set(key, `v${key}`)
        set.add(key)
        expected.set(key)
      } else if (roll < 0.9 && expected.keys().length > 0) {
        // Updating a present key keeps its place; re-adding a forgotten one puts it last.
        const key = roll < 0.85 ? expected.keys()[Math.floor(random() * expected.keys().length)] : Math.max(0, next - max - 5)
        map.set(key, `u${key}`)
        set.add(key)
        expected.set(key)
      } else if (expected.keys().length > 0) {
        const key = expected.keys()[Math.floor(random() * expected.keys().length)]
        map.delete(key)
        set.delete(key)
        expected.delete(key)
      }
      if (step % 97 === 0 || step > 19_900) {
        expect([...map.keys()]).toEqual(expected.keys())
        expect([...set]).toEqual(expected.keys())
      }
    }
    expect(map.size).toBeLessThanOrEqual(max)
    expect(map.get(expected.keys().at(-1)!)).toMatch(/^[uv]\d+$/)
  })
})
