import { randomBytes } from 'node:crypto'

/**
 * A Decimal's place in the text JSON.stringify writes for the wire: a string no body can hold by
 * chance (a random tag per process), swapped for the bare number afterwards.
 */
const TAG = `~decimal-${randomBytes(8).toString('hex')}~`
const TAGGED = new RegExp(`"${TAG}([^"]*)"`, 'g')

/** Set while toWireJson's JSON.stringify runs (synchronously): Decimals then write their tag. */
let writingWire = false
/** Decimals tagged by the current toWireJson. */
let tagged = 0

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
  /** On the wire its tag (see toWireJson); in control-API journals the number it is. */
  toJSON(): number | string {
    if (!writingWire) return this.value
    tagged++
    return `${TAG}${this.toString()}`
  }
}

/**
 * JSON.stringify, except that a `Decimal` keeps its decimal point: one JSON.stringify of the whole
 * value (each Decimal writes a tagged string), then the tagged strings become bare numbers. Most
 * answers hold no Decimal and are written by JSON.stringify alone, without a walk to find out
 * (that walk, and a writer of our own for the B2C result, were ~30% of a body's cost).
 */
export function toWireJson(value: unknown): string {
  writingWire = true
  tagged = 0
  let text: string
  try {
    text = JSON.stringify(value)
  } finally {
    writingWire = false
  }
  return tagged === 0 ? text : text.replace(TAGGED, '$1')
}
