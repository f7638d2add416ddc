/**
 * Field checks as Daraja makes them. Numeric fields come as JSON numbers or numeric strings
 * (Safaricom's own sample mixes both); each check returns the normalised string, or undefined
 * when the field is missing or malformed (→ `400.002.02 Bad Request - Invalid <Field>`).
 */
import { parseDarajaTimestamp } from '../src/utils/daraja-time.js'

type Body = Record<string, unknown>

function digits(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value)
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return value.trim()
  return undefined
}

/** Shortcodes (paybill, till, B2C): 5–7 digits. */
export function shortcodeField(body: Body, name: string): string | undefined {
  const value = digits(body[name])
  return value && /^\d{5,7}$/.test(value) ? value : undefined
}

/** MSISDNs: 12 digits, `2547…` or `2541…`. */
export function msisdnField(body: Body, name: string): string | undefined {
  const value = digits(body[name])
  return value && /^254[17]\d{8}$/.test(value) ? value : undefined
}

/** Whole shillings, at least 1: `1`, `"1"`; not `1.5`, `"4.99"`, `0`. */
export function amountField(body: Body, name = 'Amount'): number | undefined {
  const value = digits(body[name])
  if (value === undefined) return undefined
  const amount = Number(value)
  return amount >= 1 && Number.isSafeInteger(amount) ? amount : undefined
}

/** The last timestamp found valid: clients send the same one for a second or more. */
let lastValidTimestamp = ''

/** `YYYYMMDDHHmmss`, a real calendar time. Its timezone is not checked (real clients send UTC). */
export function timestampField(body: Body, name = 'Timestamp'): string | undefined {
  const value = digits(body[name])
  if (!value) return undefined
  if (value === lastValidTimestamp) return value
  if (!parseDarajaTimestamp(value)) return undefined
  lastValidTimestamp = value
  return value
}

export function stringField(body: Body, name: string): string | undefined {
  const value = body[name]
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/**
 * An http(s) URL whose host is a domain name (its last label starting with a letter, so never read
 * as an address) or a dotted IPv4 address, with an optional port and a path of printable
 * characters: what the callback URLs clients send look like. These always parse, so they need no
 * URL object (three per payment on the emulator's hot path); anything else is parsed, and so is a
 * punycode label (`xn--…`), which must also decode.
 */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const PLAIN_HTTP_URL = new RegExp(`^https?://(?:(?:[a-z0-9-]+\\.)*[a-z][a-z0-9-]*|${OCTET}(?:\\.${OCTET}){3})(?::(\\d{1,5}))?(?:[/?][!-~]*)?$`, 'i')

const PUNYCODE = /xn--/i

function plainHttpUrl(value: string): boolean {
  const match = PLAIN_HTTP_URL.exec(value)
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65_535) && !PUNYCODE.test(value)
}

/** http(s) URL with a host and no stray whitespace (Daraja rejects `" https://…"`). */
export function urlField(body: Body, name: string): string | undefined {
  const value = body[name]
  if (typeof value !== 'string') return undefined
  if (plainHttpUrl(value)) return value
  if (value !== value.trim() || /\s/.test(value)) return undefined
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? value : undefined
  } catch {
    return undefined
  }
}

export function optionalStringField(body: Body, name: string): string | undefined | false {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : false
}

export function parseJsonObject(text: string): Body | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined
  } catch {
    return undefined
  }
}
