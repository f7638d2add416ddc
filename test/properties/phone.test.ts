import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { normalizePhone, phoneSchema } from '../../src/utils/phone.js'

const digit = fc.constantFrom(...'0123456789')
/** The 9 digits after 254 of a Safaricom mobile number: 7XXXXXXXX or 1XXXXXXXX. */
const subscriber = fc.tuple(fc.constantFrom('7', '1'), fc.array(digit, { minLength: 8, maxLength: 8 })).map(([first, rest]) => first + rest.join(''))
const prefix = fc.constantFrom('254', '+254', '0')
/** Spaces and dashes people type, inserted between any characters. */
const sprinkle = (text: string) =>
  fc.array(fc.constantFrom('', '', '', ' ', '-', '  '), { minLength: text.length + 1, maxLength: text.length + 1 }).map((seps) => seps.map((s, i) => s + (text[i] ?? '')).join(''))

/** A number as a person types it: any accepted prefix, spaces and dashes anywhere. */
const typedNumber = subscriber.chain((sub) => prefix.chain((pre) => sprinkle(pre + sub)))
/** A typed number with one character replaced, dropped or added: sometimes still valid, mostly not. */
const nearNumber = fc
  .tuple(typedNumber, fc.nat(), fc.constantFrom('', '0', '7', '9', '+', 'x', ' ', '--'))
  .map(([typed, at, other]) => typed.slice(0, at % (typed.length + 1)) + other + typed.slice((at % (typed.length + 1)) + 1))

describe('normalizePhone (property)', () => {
  it('maps every accepted form of a number to the same 12 digits 254…', () => {
    fc.assert(
      fc.property(subscriber, prefix, (sub, pre) => {
        expect(normalizePhone(pre + sub)).toBe(`254${sub}`)
      }),
    )
  })

  it('tolerates spaces and dashes anywhere, and surrounding whitespace', () => {
    fc.assert(
      fc.property(
        subscriber.chain((sub) => prefix.chain((pre) => sprinkle(pre + sub).map((typed) => ({ sub, typed })))),
        fc.constantFrom('', ' ', '\t', '\n'),
        ({ sub, typed }, pad) => {
          expect(normalizePhone(pad + typed + pad)).toBe(`254${sub}`)
        },
      ),
    )
  })

  it('is idempotent: a normalised number normalises to itself', () => {
    let accepted = 0
    fc.assert(
      fc.property(fc.oneof(typedNumber, fc.string()), (input) => {
        const once = normalizePhone(input)
        if (once === undefined) return
        accepted++
        expect(normalizePhone(once)).toBe(once)
      }),
      { numRuns: 200 },
    )
    // The property is about accepted numbers: make sure plenty were generated.
    expect(accepted).toBeGreaterThan(50)
  })

  it('only ever returns 254 + 7/1 + 8 digits, made of the digits it was given', () => {
    let accepted = 0
    fc.assert(
      fc.property(fc.oneof(typedNumber, nearNumber, fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[+0-9 -]{8,16}$/)), (input) => {
        const out = normalizePhone(input)
        if (out === undefined) return
        accepted++
        expect(out).toMatch(/^254[71]\d{8}$/)
        expect(input.replace(/\D/g, '').endsWith(out.slice(3))).toBe(true)
      }),
      { numRuns: 300 },
    )
    expect(accepted).toBeGreaterThan(50)
  })

  it('rejects other first digits, wrong lengths and other prefixes', () => {
    const badFirst = fc.tuple(fc.constantFrom('0', '2', '3', '4', '5', '6', '8', '9'), fc.array(digit, { minLength: 8, maxLength: 8 })).map(([f, r]) => f + r.join(''))
    const badLength = fc.tuple(subscriber, fc.integer({ min: 1, max: 8 }), fc.boolean()).map(([s, cut, longer]) => (longer ? s + s.slice(0, cut) : s.slice(0, 9 - cut)))
    const badPrefix = fc.constantFrom('255', '+255', '00', '254254', '+0', '1', '')
    fc.assert(
      fc.property(prefix, badFirst, (pre, sub) => {
        expect(normalizePhone(pre + sub)).toBeUndefined()
      }),
    )
    fc.assert(
      fc.property(prefix, badLength, (pre, sub) => {
        expect(normalizePhone(pre + sub)).toBeUndefined()
      }),
    )
    fc.assert(
      fc.property(badPrefix, subscriber, (pre, sub) => {
        expect(normalizePhone(pre + sub)).toBeUndefined()
      }),
    )
  })

  it('does not take non-ASCII digits for digits', () => {
    // Arabic-Indic and full-width digits look like numbers but are not Daraja phone numbers.
    fc.assert(
      fc.property(subscriber, prefix, fc.constantFrom('٠١٢٣٤٥٦٧٨٩', '０１２３４５６７８９'), (sub, pre, alphabet) => {
        const exotic = sub.replace(/\d/g, (d) => alphabet[Number(d)])
        expect(normalizePhone(pre + exotic)).toBeUndefined()
      }),
    )
  })

  it('phoneSchema agrees with normalizePhone on strings and rejects every non-string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), subscriber.map((s) => `0${s}`)), (input) => {
        const parsed = phoneSchema.safeParse(input)
        const expected = normalizePhone(input)
        expect(parsed.success).toBe(expected !== undefined)
        if (parsed.success) expect(parsed.data).toBe(expected)
      }),
    )
    fc.assert(
      fc.property(fc.anything().filter((v) => typeof v !== 'string'), (input) => {
        expect(phoneSchema.safeParse(input).success).toBe(false)
      }),
    )
  })
})
