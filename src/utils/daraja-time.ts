/** Daraja's clock: East Africa Time, UTC+3 all year (no DST). */
const EAT_OFFSET_MS = 3 * 60 * 60 * 1000

function eatParts(date: Date) {
  const shifted = new Date(date.getTime() + EAT_OFFSET_MS)
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  return {
    year: String(shifted.getUTCFullYear()),
    month: pad(shifted.getUTCMonth() + 1),
    day: pad(shifted.getUTCDate()),
    hour: pad(shifted.getUTCHours()),
    minute: pad(shifted.getUTCMinutes()),
    second: pad(shifted.getUTCSeconds()),
    ms: shifted.getUTCMilliseconds(),
  }
}

/** `YYYYMMDDHHmmss` in EAT, the format of `Timestamp` and `TransactionDate`. */
export function darajaTimestamp(date: Date = new Date()): string {
  const p = eatParts(date)
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`
}

/** `dd.MM.yyyy HH:mm:ss` in EAT, the format of B2C `TransactionCompletedDateTime`. */
export function darajaB2cDateTime(date: Date = new Date()): string {
  const p = eatParts(date)
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}:${p.second}`
}

/** Parts used to build ids such as `ws_CO_DDMMYYYYHHmmss<ms>…`. */
export function eatClockParts(date: Date = new Date()) {
  return eatParts(date)
}

/** Reads a `YYYYMMDDHHmmss` EAT timestamp back into a Date, or undefined when malformed. */
export function parseDarajaTimestamp(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value)
  if (!match) return undefined
  const [, y, mo, d, h, mi, s] = match.map(Number)
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined
  const utc = Date.UTC(y, mo - 1, d, h, mi, s) - EAT_OFFSET_MS
  const date = new Date(utc)
  // Reject dates such as 20260231 that Date.UTC silently rolls over.
  if (darajaTimestamp(date) !== value) return undefined
  return date
}

/** The STK Password: base64(shortcode + passkey + timestamp). */
export function stkPassword(shortcode: string, passkey: string, timestamp: string): string {
  return Buffer.from(`${shortcode}${passkey}${timestamp}`).toString('base64')
}
