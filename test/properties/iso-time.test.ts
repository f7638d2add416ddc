import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoTime } from '../../src/utils/iso-time.js'

const reference = (ms: number) => new Date(ms).toISOString()

describe('isoTime (property)', () => {
  it('is new Date(ms).toISOString(), for any time and in any order of calls', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -62_167_219_200_000 - 5000, max: 253_402_300_799_999 + 5000 }),
            // Around now, so that calls share a second.
            fc.integer({ min: Date.now() - 3000, max: Date.now() + 3000 }),
            fc.double({ min: -1e13, max: 1e13, noNaN: true }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (times) => {
          for (const ms of times) expect(isoTime(ms)).toBe(reference(ms))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('at the edges: each millisecond of a second, a second boundary either way, the year range, and what Date refuses', () => {
    for (const ms of [0, 1, 9, 10, 99, 100, 999, 1000, -1, -999, -1000, -1001, 1_764_464_709_999, 1_764_464_710_000, 1_764_464_709_999, -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, -0, 0.5, -0.5, 1_764_464_710_000.9]) {
      expect(isoTime(ms)).toBe(reference(ms))
    }
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1]) expect(() => isoTime(ms)).toThrow(RangeError)
  })
})
