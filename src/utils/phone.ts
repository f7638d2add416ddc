import { z } from 'zod'

export const ACCEPTED_PHONE_FORMS = '2547XXXXXXXX, 2541XXXXXXXX, +2547XXXXXXXX, 07XXXXXXXX or 01XXXXXXXX'

/**
 * Normalises a Kenyan mobile number to Daraja's 12-digit `254…` form, or returns undefined.
 * Safaricom numbers are 2547… and 2541…; spaces and dashes people type are tolerated.
 */
export function normalizePhone(input: string): string | undefined {
  const compact = input.trim().replace(/[\s-]/g, '')
  const match = /^(?:\+?254|0)([71]\d{8})$/.exec(compact)
  return match ? `254${match[1]}` : undefined
}

/** Masks a phone for logs and terminal output: 254708***149. */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return '***'
  return `${phone.slice(0, 6)}***${phone.slice(-3)}`
}

export const phoneSchema = z
  .string({ error: `phone must be a string in one of the forms ${ACCEPTED_PHONE_FORMS}` })
  .transform((value, ctx) => {
    const normalized = normalizePhone(value)
    if (!normalized) {
      ctx.addIssue({ code: 'custom', message: `phone must be a Kenyan mobile number: ${ACCEPTED_PHONE_FORMS}` })
      return z.NEVER
    }
    return normalized
  })
