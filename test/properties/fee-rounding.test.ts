import { describe, expect, it } from 'vitest'
import { splitFee } from '../../src/utils/money.js'

// product.md §2.1: platform_fee = round2(amount × pct / 100). round2 adds Number.EPSILON, which is
// too small once the value is above ~1: 2.175 (3 × 72.5 %) is stored as 2.17499999… and rounds down.
describe('splitFee rounds exact half cents up', () => {
  it.each([
    [3, 72.5, 2.18],
    [5, 42.7, 2.14],
    [69057, 7.5, 5179.28],
    [1000, 0.25, 2.5], // control: not a half cent
  ])('splitFee(%d, %d).platform_fee = %d', (amount, pct, fee) => {
    expect(splitFee(amount, pct).platform_fee).toBe(fee)
  })
})
