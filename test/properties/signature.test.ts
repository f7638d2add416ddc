import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { generateWebhookSecret, signatureHeaders, signMpg, verifyWebhookSignature, WebhookSignatureError } from '../../src/webhooks/signature.js'

const secret = fc.oneof(
  fc.constant(null).map(() => generateWebhookSecret()),
  fc.uint8Array({ minLength: 16, maxLength: 48 }).map((b) => `whsec_${Buffer.from(b).toString('base64')}`),
)
const rawBody = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
)
const asBuffer = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body))

function refusal(run: () => unknown): string | undefined {
  try {
    run()
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookSignatureError)
    return (error as WebhookSignatureError).code
  }
}

describe('webhook signatures (property)', () => {
  it('X-Mpesa-Gateway-Signature: what is signed verifies, as a string or as the same bytes', () => {
    fc.assert(
      fc.property(secret, rawBody, (s, body) => {
        const signature = signMpg(s, body)
        expect(verifyWebhookSignature({ rawBody: body, signature, secret: s })).toBe(true)
        expect(verifyWebhookSignature({ rawBody: asBuffer(body), signature: signature.toUpperCase(), secret: s })).toBe(true)
      }),
    )
  })

  it('matches the seed snippet (crypto.createHmac("sha256", secret).update(rawBody).digest("hex")) as an independent oracle', () => {
    fc.assert(
      fc.property(secret, rawBody, (s, body) => {
        expect(signMpg(s, body)).toBe(createHmac('sha256', s).update(body).digest('hex'))
      }),
    )
  })

  it('any changed byte of the body, or another secret, is refused as a mismatch', () => {
    fc.assert(
      fc.property(secret, fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (s, bytes, at, flip) => {
        const body = Buffer.from(bytes)
        const signature = signMpg(s, body)
        const tampered = Buffer.from(body)
        tampered[at % tampered.length] ^= flip
        expect(refusal(() => verifyWebhookSignature({ rawBody: tampered, signature, secret: s }))).toBe('signature_mismatch')
      }),
    )
    fc.assert(
      fc.property(secret, secret, rawBody, (a, b, body) => {
        fc.pre(a !== b)
        expect(refusal(() => verifyWebhookSignature({ rawBody: body, signature: signMpg(a, body), secret: b }))).toBe('signature_mismatch')
      }),
    )
  })

  it('a body parsed and re-serialised differently is refused', () => {
    fc.assert(
      fc.property(secret, fc.dictionary(fc.string({ minLength: 1 }), fc.integer(), { minKeys: 1 }), (s, object) => {
        const sent = JSON.stringify(object, null, 2)
        const signature = signMpg(s, sent)
        expect(refusal(() => verifyWebhookSignature({ rawBody: JSON.stringify(JSON.parse(sent)), signature, secret: s }))).toBe('signature_mismatch')
        expect(refusal(() => verifyWebhookSignature({ rawBody: JSON.parse(sent) as never, signature, secret: s }))).toBe('body_not_raw')
      }),
    )
  })

  it('arbitrary header values never verify and never throw anything but a WebhookSignatureError', () => {
    const codes = new Set<string | undefined>()
    /** Well-formed signatures (64 hex) too, and the right one with one hex digit changed: they reach the comparison. */
    const header = (s: string, body: string | Uint8Array) =>
      fc.oneof(
        fc.string(),
        fc.array(fc.string()),
        fc.constant(undefined),
        fc.constant(null),
        fc.stringMatching(/^[0-9a-fA-F]{64}$/),
        fc.tuple(fc.nat(63), fc.integer({ min: 1, max: 15 })).map(([at, delta]) => {
          const right = signMpg(s, body)
          const digit = ((parseInt(right[at], 16) + delta) % 16).toString(16)
          return right.slice(0, at) + digit + right.slice(at + 1)
        }),
      )
    fc.assert(
      fc.property(secret.chain((s) => rawBody.chain((body) => header(s, body).map((h) => ({ s, body, h })))), ({ s, body, h }) => {
        fc.pre(!(typeof h === 'string' && h.trim().toLowerCase() === signMpg(s, body)))
        const code = refusal(() => verifyWebhookSignature({ rawBody: body, signature: h as string, secret: s }))
        expect(code).toBeDefined()
        codes.add(code)
      }),
      { numRuns: 120 },
    )
    // Every refusal the verifier has for a bad header was reached, the comparison included.
    expect([...codes].sort()).toEqual(['malformed_signature', 'missing_signature', 'signature_mismatch'])
  })

  it('Standard Webhooks headers verify with the off-the-shelf standardwebhooks verifier', () => {
    fc.assert(
      fc.property(secret, fc.jsonValue().map((v) => JSON.stringify({ data: v })), fc.stringMatching(/^evt_[A-Za-z0-9]{8,24}$/), (s, body, id) => {
        const timestamp = Math.floor(Date.now() / 1000)
        const headers = signatureHeaders(s, { id, timestamp, rawBody: body, event: 'payment.success' })
        expect(headers['x-mpesa-gateway-signature']).toBe(signMpg(s, body))
        expect(new Webhook(s).verify(body, headers)).toEqual(JSON.parse(body))
        const tampered = `${body} `
        expect(() => new Webhook(s).verify(tampered, headers)).toThrow()
      }),
      { numRuns: 50 },
    )
  })
})
