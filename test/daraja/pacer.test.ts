import { describe, expect, it } from 'vitest'
import { createPacer } from '../../src/utils/pacer.js'

/** Blocks the event loop, as a busy or descheduled process does. */
function stall(ms: number) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // busy
  }
}

describe("the pacer keeping Daraja queries under its spike arrest", () => {
  it('starts calls at most perSecond a second, measured when they start', async () => {
    const pace = createPacer(20)
    const starts: number[] = []
    await Promise.all(Array.from({ length: 6 }, async () => {
      await pace()
      starts.push(Date.now())
    }))
    // The start is taken a moment after the pacer let the call go: room for that moment.
    const gaps = starts.slice(1).map((t, i) => t - starts[i])
    for (const gap of gaps) expect(gap, `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(30)
  })

  it('a stalled event loop does not release the waiting calls together: they still start a gap apart', async () => {
    const pace = createPacer(10)
    const starts: number[] = []
    const call = async () => {
      await pace()
      starts.push(Date.now())
    }
    await call()
    // Three more wait for their turns, which all come while the process is stalled.
    const calls = [call(), call(), call()]
    stall(500)
    await Promise.all(calls)
    const gaps = starts.slice(1).map((t, i) => t - starts[i])
    // Released together they start within a millisecond or two; paced, 100 ms apart.
    for (const gap of gaps) expect(gap, `gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(60)
  })
})
