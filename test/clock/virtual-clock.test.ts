import { describe, expect, it } from 'vitest'
import { createVirtualClock, isVirtualClock } from '../../src/utils/virtual-clock.js'
import { systemClock } from '../../src/utils/clock.js'

const START = Date.parse('2026-01-01T00:00:00.000Z')
const HOUR = 3_600_000

describe('virtual clock', () => {
  it('stands still until advanced, then reads the new time', async () => {
    const clock = createVirtualClock(START)
    expect(clock.now()).toBe(START)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(clock.now()).toBe(START)
    const report = await clock.advance(24 * HOUR)
    expect(clock.now()).toBe(START + 24 * HOUR)
    expect(report).toMatchObject({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', advanced_ms: 24 * HOUR, ran: {} })
  })

  it('runs timers in due order, each at its own time, and not before', async () => {
    const clock = createVirtualClock(START)
    const seen: Array<[string, number]> = []
    clock.setTimer(() => seen.push(['b', clock.now() - START]), 2 * HOUR, 'b')
    clock.setTimer(() => seen.push(['a', clock.now() - START]), HOUR, 'a')
    clock.setTimer(() => seen.push(['late', clock.now() - START]), 30 * HOUR, 'late')
    await clock.advance(HOUR - 1)
    expect(seen).toEqual([])
    const report = await clock.advance(23 * HOUR + 1)
    expect(seen).toEqual([
      ['a', HOUR],
      ['b', 2 * HOUR],
    ])
    expect(report.ran).toEqual({ a: 1, b: 1 })
  })

  it('a timer set by a running task inside the advanced span runs in the same advance', async () => {
    const clock = createVirtualClock(START)
    const attempts: number[] = []
    // A retry schedule: each attempt schedules the next one.
    const delays = [60_000, 5 * 60_000, HOUR, 6 * HOUR]
    const attempt = () => {
      attempts.push(clock.now() - START)
      const next = delays[attempts.length - 1]
      if (next !== undefined) clock.setTimer(attempt, next, 'retry')
    }
    clock.setTimer(attempt, 0, 'retry')
    await clock.advance(24 * HOUR)
    expect(attempts).toEqual([0, 60_000, 6 * 60_000, 6 * 60_000 + HOUR, 6 * 60_000 + 7 * HOUR])
  })

  it('advance waits for the work a task returns (and for tracked work it starts)', async () => {
    const clock = createVirtualClock(START)
    const done: string[] = []
    clock.setTimer(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30))
      done.push('returned')
    }, 1000)
    clock.setTimer(() => {
      void clock.track(new Promise((resolve) => setTimeout(resolve, 30)).then(() => done.push('tracked')))
    }, 2000)
    await clock.advance(5000)
    expect(done).toEqual(['returned', 'tracked'])
  })

  it('a repeating task runs once per period through the span, and stops when cancelled', async () => {
    const clock = createVirtualClock(START)
    let runs = 0
    const timer = clock.setRepeating(() => runs++, 10 * 60_000, 'housekeeping')
    const report = await clock.advance(HOUR)
    expect(runs).toBe(6)
    expect(report.ran).toEqual({ housekeeping: 6 })
    timer.cancel()
    await clock.advance(HOUR)
    expect(runs).toBe(6)
  })

  it('a task due now runs without an advance; a cancelled one never runs', async () => {
    const clock = createVirtualClock(START)
    let ran = 0
    clock.setTimer(() => ran++, 0)
    clock.setTimer(() => ran++, 1000).cancel()
    await clock.settle()
    expect(ran).toBe(1)
    await clock.advance(2000)
    expect(ran).toBe(1)
  })

  it('a ticking clock follows the machine and jumps ahead on advance', async () => {
    const clock = createVirtualClock(undefined, { ticking: true })
    let fired = false
    clock.setTimer(() => (fired = true), 40)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(fired).toBe(true)
    const before = clock.now()
    await clock.advance(HOUR)
    expect(clock.now() - before).toBeGreaterThanOrEqual(HOUR)
  })

  it('refuses a negative or non-numeric advance, and tells the kinds of clock apart', async () => {
    const clock = createVirtualClock(START)
    await expect(clock.advance(-1)).rejects.toThrow(/at least 0/)
    await expect(clock.advance(Number.NaN)).rejects.toThrow(/at least 0/)
    expect(isVirtualClock(clock)).toBe(true)
    expect(isVirtualClock(systemClock)).toBe(false)
  })
})
