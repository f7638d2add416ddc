/**
 * Daraja's Java back end writes money as doubles: `4974.73`, `0.0`, `1199371.0`, never `0`.
 * JSON.stringify cannot keep a trailing `.0`, so amounts that Daraja sends as decimals are wrapped
 * in `Decimal` and written by `toWireJson`. Parsed back they are plain numbers.
 */
export class Decimal {
  constructor(readonly value: number) {}
  /** Java's Double.toString for the amounts we send: at least one digit after the point. */
  toString(): string {
    const text = String(Math.round(this.value * 100) / 100)
    return text.includes('.') ? text : `${text}.0`
  }
  /** Control-API journals show it as the number it is. */
  toJSON(): number {
    return this.value
  }
}

/** Whether a Decimal sits anywhere in `value` (most answers hold none: they go to JSON.stringify whole). */
function holdsDecimal(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  if (value instanceof Decimal) return true
  if (Array.isArray(value)) {
    for (const item of value) if (holdsDecimal(item)) return true
    return false
  }
  for (const key in value) if (holdsDecimal((value as Record<string, unknown>)[key])) return true
  return false
}

/** JSON.stringify, except that a `Decimal` keeps its decimal point. */
export function toWireJson(value: unknown): string {
  return holdsDecimal(value) ? withDecimals(value) : JSON.stringify(value)
}

/** The generic writer, for values that hold a Decimal (B2C, balance and reversal results): no intermediate arrays. */
function withDecimals(value: unknown): string {
  if (value instanceof Decimal) return value.toString()
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      out += `${i === 0 ? '' : ','}${item === undefined ? 'null' : withDecimals(item)}`
    }
    return `${out}]`
  }
  let out = ''
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined) continue
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${withDecimals(item)}`
  }
  return `{${out}}`
}
