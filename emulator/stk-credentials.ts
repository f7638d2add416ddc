import { stkPassword } from '../src/utils/daraja-time.js'
import type { Emulator } from './emulator.js'
import { DarajaErrors, type DarajaErrorSpec } from './errors.js'
import { shortcodeField, stringField, timestampField } from './validate.js'

export interface StkCredentials {
  shortcode: string
  password: string
  timestamp: string
}

/** The three fields STK push and query share, read in Daraja's order; a missing one is named. */
export function readStkCredentials(body: Record<string, unknown>): StkCredentials | { invalid: string } {
  const shortcode = shortcodeField(body, 'BusinessShortCode')
  if (!shortcode) return { invalid: 'BusinessShortCode' }
  const password = stringField(body, 'Password')
  if (!password) return { invalid: 'Password' }
  const timestamp = timestampField(body)
  if (!timestamp) return { invalid: 'Timestamp' }
  return { shortcode, password, timestamp }
}

/** `Merchant does not exist` for another shortcode, `Wrong credentials` for a wrong Password. */
export function credentialsError(em: Emulator, c: StkCredentials): DarajaErrorSpec | undefined {
  if (c.shortcode !== em.config.shortcode) return DarajaErrors.merchantDoesNotExist
  if (c.password !== stkPassword(c.shortcode, em.config.passkey, c.timestamp)) return DarajaErrors.wrongCredentials
  return undefined
}
