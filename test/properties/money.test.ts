import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { amountSchema, MAX_STK_AMOUNT, round2, splitFee } from '../../src/utils/money.js'

const cents = (value: number) => Math.round(value * 100)
/** A number with at most 2 decimals, exactly as JSON would carry it (e.g. 1.5, 12.34). */
const twoDecimals = (min: number, max: number) => fc.integer({ min: min * 100, max: max * 100 }).map((c) => c / 100)
const hasAtMostTwoDecimals = (value: number) => Number.isFinite(value) && round2(value) === value && Number((value).toFixed(2)) === value

describe('amountSchema (property)', () => {
  it('accepts exactly the whole numbers 1..150000', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer({ min: -10, max: MAX_STK_AMOUNT + 10 }), twoDecimals(0, 200)), (value) => {
        const ok = Number.isInteger(value) && value >= 1 && value <= MAX_STK_AMOUNT
        const parsed = amountSchema.safeParse(value)
        expect(parsed.success).toBe(ok)
        if (parsed.success) expect(parsed.data).toBe(value)
      }),
    )
  })

  it('rejects NaN, ±Infinity, -0 and 0', () => {
    for (const value of [Number.NaN, Infinity, -Infinity, -0, 0, Number.MAX_SAFE_INTEGER, 1e21, Number.MIN_VALUE]) {
      expect(amountSchema.safeParse(value).success, String(value)).toBe(false)
    }
  })

  it('rejects every non-number, numeric strings included', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything().filter((v) => typeof v !== 'number'), fc.integer({ min: 1, max: MAX_STK_AMOUNT }).map(String), fc.constantFrom('NaN', 'Infinity', '1e3', ' 100 ')),
        (value) => {
          expect(amountSchema.safeParse(value).success).toBe(false)
        },
      ),
    )
  })
})

describe('splitFee (property)', () => {
  const percent = twoDecimals(0, 100)

  it('fee + net = amount, to the cent, for whole-shilling amounts and any percent 0..100 with 2 decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_STK_AMOUNT }), percent, (amount, pct) => {
        const { platform_fee, net_amount } = splitFee(amount, pct)
        expect(cents(platform_fee) + cents(net_amount)).toBe(amount * 100)
        expect(cents(platform_fee + net_amount)).toBe(amount * 100)
        expect(hasAtMostTwoDecimals(platform_fee)).toBe(true)
        expect(hasAtMostTwoDecimals(net_amount)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('the fee is amount × pct / 100 to within half a cent, within 0..amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_STK_AMOUNT }), percent, (amount, pct) => {
        const { platform_fee, net_amount } = splitFee(amount, pct)
        // Exact integer arithmetic: the fee in cents × 10000.
        const exactTimes10000 = amount * 100 * Math.round(pct * 100)
        expect(Math.abs(cents(platform_fee) * 10000 - exactTimes10000)).toBeLessThanOrEqual(5000)
        expect(platform_fee).toBeGreaterThanOrEqual(0)
        expect(platform_fee).toBeLessThanOrEqual(amount)
        expect(net_amount).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: 2000 },
    )
  })

  it('the edges: 0 % keeps everything, 100 % keeps nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_STK_AMOUNT }), (amount) => {
        expect(splitFee(amount, 0)).toEqual({ platform_fee: 0, net_amount: amount })
        expect(splitFee(amount, 100)).toEqual({ platform_fee: amount, net_amount: 0 })
      }),
    )
  })

  it('also holds for amounts in cents (B2C net amounts, refunds)', () => {
    fc.assert(
      fc.property(twoDecimals(0, MAX_STK_AMOUNT), percent, (amount, pct) => {
        const { platform_fee, net_amount } = splitFee(amount, pct)
        expect(cents(platform_fee) + cents(net_amount)).toBe(cents(amount))
        expect(hasAtMostTwoDecimals(net_amount)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})
