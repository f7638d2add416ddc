import { describe, expect, it } from 'vitest'
import { BoundedList } from '../../emulator/bounded.js'

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
