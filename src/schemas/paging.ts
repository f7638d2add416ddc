import { z } from 'zod'
import { noControlChars } from './text.js'

// Number() would read "0x10", "1e1", " 10" and "10.0" as counts; a list's limit is decimal digits only.
const decimalDigits = (value: unknown) => (typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value)

/** A list's `?limit=`: a whole number in decimal digits from `min` to `max`, `fallback` when absent. */
export const listLimitSchema = ({ min, max, fallback }: { min: number; max: number; fallback: number }) =>
  z.preprocess(
    decimalDigits,
    z
      .number({ error: `limit must be a whole number in decimal digits, e.g. ${fallback}` })
      .int(`limit must be a whole number in decimal digits, e.g. ${fallback}`)
      .min(min, `limit must be at least ${min}`)
      .max(max, `limit must be at most ${max}`)
      .default(fallback),
  )

/**
 * A list's `starting_after`: the id of the last item of the page before. Anything that cannot be
 * one of `what`'s ids is bad input here, before it reaches a query: the same 400 on both stores.
 */
export const startingAfterSchema = (what: string) =>
  z
    .string()
    .max(100, `starting_after is not a ${what} id`)
    .refine(noControlChars, `starting_after is not a ${what} id`)
