import { z } from 'zod'

export const MAX_STK_AMOUNT = 150_000

/**
 * Rounds to cents, half up, on the decimal value people write (1.005 → 1.01, 2.175 → 2.18):
 * shifting through the decimal exponent avoids 2.175 × 100 = 217.49999….
 */
export function round2(value: number): number {
  return Number(`${Math.round(Number(`${value}e2`))}e-2`)
}

/** Percent is kept to 4 decimals (1.5 → 15000 ten-thousandths) so the fee is exact integer math. */
const PERCENT_SCALE = 10_000

export interface FeeSplit {
  platform_fee: number
  net_amount: number
}

/** platform_fee = round2(amount × pct / 100); net = amount − fee, exact to the cent. */
export function splitFee(amount: number, feePercent: number): FeeSplit {
  // fee cents = amount cents × pct / 100: with pct scaled to an integer the product is an exact
  // integer (≤ 1.5e13 for 150,000 KES at 100 %), and half a cent rounds up.
  const scaledPercent = Math.round(feePercent * PERCENT_SCALE)
  const amountCents = Math.round(amount * 100)
  const divisor = 100 * PERCENT_SCALE
  const feeCents = Math.floor((amountCents * scaledPercent + divisor / 2) / divisor)
  return { platform_fee: feeCents / 100, net_amount: (amountCents - feeCents) / 100 }
}

// Grouped by hand: toLocaleString would set up ICU's number formatting (~6 ms) on every start that loads this file.
const MAX_STK_AMOUNT_TEXT = String(MAX_STK_AMOUNT).replace(/\B(?=(\d{3})+$)/g, ',')

export const amountSchema = z
  .number({ error: 'amount must be a JSON number of whole shillings, e.g. 100' })
  .refine(Number.isFinite, 'amount must be a finite number')
  .refine(Number.isInteger, 'amount must be a whole number of KES (no cents)')
  .refine((value) => value >= 1, 'amount must be at least 1 KES')
  .refine((value) => value <= MAX_STK_AMOUNT, `amount must be at most ${MAX_STK_AMOUNT_TEXT} KES`)
