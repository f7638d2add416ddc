import { Flags } from '@oclif/core'
import { amountSchema } from '../utils/money.js'
import { ACCEPTED_PHONE_FORMS, phoneSchema } from '../utils/phone.js'

/**
 * Shared flags. Settings flags have no oclif `env:` so that resolveSettings applies one order
 * everywhere: flag > environment > profile > default.
 */
export const baseUrlFlag = Flags.string({ summary: 'Gateway URL (env MPG_BASE_URL; default http://127.0.0.1:8787).', helpGroup: 'CONNECTION' })

export const connectionFlags = {
  'base-url': baseUrlFlag,
  'api-key': Flags.string({ summary: 'API key, mpg_test_… or mpg_live_… (env MPG_API_KEY).', helpGroup: 'CONNECTION' }),
}

export const adminFlags = {
  'base-url': baseUrlFlag,
  'admin-token': Flags.string({ summary: 'Admin token (env MPG_ADMIN_TOKEN; default: read from the data dir).', helpGroup: 'CONNECTION' }),
  'data-dir': Flags.string({ summary: 'Gateway data dir holding admin-token (env MPG_DATA_DIR; default ./.mpg).', helpGroup: 'CONNECTION' }),
}

/** A Kenyan phone as typed (flag or prompt), normalised with the API's own schema. */
export function parsePhone(text: string): string {
  const parsed = phoneSchema.safeParse(text)
  if (!parsed.success) throw new Error(`Invalid phone "${text}": use ${ACCEPTED_PHONE_FORMS}`)
  return parsed.data
}

/** Whole KES as typed (flag or prompt), checked with the API's own schema. */
export function parseAmount(text: string): number {
  if (!/^\s*-?\d+(\.\d+)?\s*$/.test(text)) throw new Error(`Invalid amount "${text}": type whole shillings, e.g. 100`)
  const parsed = amountSchema.safeParse(Number(text))
  if (!parsed.success) throw new Error(`Invalid amount "${text}": ${parsed.error.issues[0].message}`)
  return parsed.data
}

export const phoneFlag = Flags.custom<string>({ parse: async (input) => parsePhone(input) })

export const amountFlag = Flags.custom<number>({ parse: async (input) => parseAmount(input) })

/** The PostgreSQL store of `mpg db …` commands. */
export const databaseUrlFlag = Flags.string({ summary: 'PostgreSQL URL (env DATABASE_URL).', helpGroup: 'DATABASE' })
