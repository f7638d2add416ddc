import { z } from 'zod'

export const MAX_STK_AMOUNT = 150_000

/** Rounds to cents without binary-float surprises (1.005 → 1.01). */
export function round2(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100
}

export interface FeeSplit {
  platform_fee: number
  net_amount: number
}

/** platform_fee = round2(amount × pct / 100); net = amount − fee, exact to the cent. */
export function splitFee(amount: number, feePercent: number): FeeSplit {
  const platformFee = round2((amount * feePercent) / 100)
  const netCents = Math.round(amount * 100) - Math.round(platformFee * 100)
  return { platform_fee: platformFee, net_amount: netCents / 100 }
}

export const amountSchema = z
  .number({ error: 'amount must be a JSON number of whole shillings, e.g. 100' })
  .refine(Number.isFinite, 'amount must be a finite number')
  .refine(Number.isInteger, 'amount must be a whole number of KES (no cents)')
  .refine((value) => value >= 1, 'amount must be at least 1 KES')
  .refine((value) => value <= MAX_STK_AMOUNT, `amount must be at most ${MAX_STK_AMOUNT.toLocaleString('en-US')} KES`)
