import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson, fingerprint } from '../../src/core/idempotency.js'

/** A JSON value as a request body would carry it (what JSON.parse gives back). */
const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown)

/** The same value with the keys of every object in another order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i))
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    const rotated = entries.length ? [...entries.slice(seed % entries.length), ...entries.slice(0, seed % entries.length)].reverse() : entries
    const out: Record<string, unknown> = {}
    for (const [k, v] of rotated) Object.defineProperty(out, k, { value: reorder(v, seed + 1), enumerable: true, writable: true, configurable: true })
    return out
  }
  return value
}

const stkBody = fc.record({
  amount: fc.integer({ min: 1, max: 150_000 }),
  phone: fc.stringMatching(/^2547\d{8}$/),
  reference: fc.string({ minLength: 1, maxLength: 40 }),
  description: fc.string({ minLength: 1, maxLength: 60 }),
})

describe('canonicalJson / fingerprint (property)', () => {
  it('key order does not matter, at any depth', () => {
    fc.assert(
      fc.property(jsonValue, fc.nat(), (value, seed) => {
        const shuffled = reorder(value, seed)
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value))
        expect(fingerprint(shuffled)).toBe(fingerprint(value))
      }),
    )
  })

  it('canonical JSON is JSON and means the same value', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(isDeepStrictEqual(JSON.parse(canonicalJson(value)), value)).toBe(true)
      }),
    )
  })

  it('two bodies share a fingerprint exactly when they are the same JSON value', () => {
    fc.assert(
      fc.property(jsonValue, jsonValue, (a, b) => {
        expect(fingerprint(a) === fingerprint(b)).toBe(isDeepStrictEqual(a, b))
      }),
    )
  })

  it('any change to any field of an STK push body changes the fingerprint', () => {
    fc.assert(
      fc.property(stkBody, fc.constantFrom('amount', 'phone', 'reference', 'description', 'extra'), jsonValue, (body, field, next) => {
        fc.pre(!isDeepStrictEqual((body as Record<string, unknown>)[field], next))
        const changed = { ...body, [field]: next }
        expect(fingerprint(changed)).not.toBe(fingerprint(body))
      }),
    )
  })

  it('a value change deep inside nested objects and arrays changes it too', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.string()), { minLength: 1, maxLength: 6 }), fc.nat(), fc.oneof(fc.integer(), fc.string()), (items, at, next) => {
        const index = at % items.length
        fc.pre(items[index] !== next)
        const before = { a: { b: [{ c: items }] } }
        const after = { a: { b: [{ c: items.map((v, i) => (i === index ? next : v)) }] } }
        expect(fingerprint(after)).not.toBe(fingerprint(before))
      }),
    )
  })

  it('types are not confused: 1 vs "1", null vs "null", [] vs {}', () => {
    const pairs: Array<[unknown, unknown]> = [
      [{ amount: 1 }, { amount: '1' }],
      [{ a: null }, { a: 'null' }],
      [{ a: [] }, { a: {} }],
      [{ a: true }, { a: 'true' }],
      [{ 'a,b': 1 }, { a: 1, b: 1 }],
      [{ a: { b: 1 } }, { 'a.b': 1 }],
    ]
    for (const [a, b] of pairs) expect(fingerprint(a)).not.toBe(fingerprint(b))
  })
})

/** The canonical text as first defined (keys sorted, one part at a time): stored fingerprints were made from it. */
function canonicalAsFirstWritten(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalAsFirstWritten).join(',')}]`
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    let text = '{'
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue
      text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalAsFirstWritten(record[key])}`
    }
    return `${text}}`
  }
  return JSON.stringify(value)
}

describe('canonicalJson keeps the text stored fingerprints were made from', () => {
  it('for any JSON value, and flat bodies with their keys in any order one after another', () => {
    fc.assert(
      fc.property(jsonValue, stkBody, fc.nat(), (value, body, seed) => {
        expect(canonicalJson(value)).toBe(canonicalAsFirstWritten(value))
        // Same keys in the same order twice, then another order: the sorted keys are reused only when they fit.
        for (const each of [body, body, reorder(body, seed), { ...body, note: 'x', amount: undefined }]) expect(canonicalJson(each)).toBe(canonicalAsFirstWritten(each))
      }),
    )
  })

  it('escapes and non-ASCII text as JSON.stringify writes them', () => {
    const body = { reference: 'A"B\\C\u2028', description: 'Malipo ya bidhaa — ✓', amount: 100, phone: '254708374149', gift: null, extra: undefined }
    expect(canonicalJson(body)).toBe('{"amount":100,"description":"Malipo ya bidhaa — ✓","gift":null,"phone":"254708374149","reference":"A\\"B\\\\C\u2028"}')
  })
})
