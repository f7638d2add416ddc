import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import {
  generateWebhookSecret,
  signatureHeaders,
  signMpg,
  signStandard,
  verifyWebhookSignature,
  WebhookSignatureError,
} from '../../src/webhooks/signature.js'

// The Standard Webhooks spec's own test vector (secret, id, timestamp, payload, signature).
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const SPEC_TIMESTAMP = 1614265330
const SPEC_PAYLOAD = '{"test": 2432232314}'
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
// `printf '%s' '{"test": 2432232314}' | openssl dgst -sha256 -hmac 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'`
const MPG_SIGNATURE = '80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c'

/** The seed's snippet (gateway-api.txt), as a function of the secret, raw body and header. */
function seedAccepts(endpointSecret: string, rawBody: string | Buffer, header: string): boolean {
  const expected = createHmac('sha256', endpointSecret).update(rawBody).digest('hex')
  return expected === header
}

function failure(run: () => unknown): WebhookSignatureError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookSignatureError)
    return error as WebhookSignatureError
  }
  throw new Error('expected verifyWebhookSignature to throw')
}

describe('known-answer vectors', () => {
  it('X-Mpesa-Gateway-Signature matches an openssl-computed HMAC of the raw body', () => {
    expect(signMpg(SPEC_SECRET, SPEC_PAYLOAD)).toBe(MPG_SIGNATURE)
    expect(verifyWebhookSignature({ rawBody: SPEC_PAYLOAD, signature: MPG_SIGNATURE, secret: SPEC_SECRET })).toBe(true)
    expect(verifyWebhookSignature({ rawBody: Buffer.from(SPEC_PAYLOAD), signature: MPG_SIGNATURE.toUpperCase(), secret: SPEC_SECRET })).toBe(true)
  })

  it('webhook-signature matches the Standard Webhooks spec vector', () => {
    expect(signStandard(SPEC_SECRET, { id: SPEC_ID, timestamp: SPEC_TIMESTAMP, rawBody: SPEC_PAYLOAD })).toBe(SPEC_SIGNATURE)
  })
})

describe('node:crypto oracle and third-party verifiers', () => {
  it('a generated secret is whsec_ + base64 of 32 bytes, and both verifiers accept the same secret string', () => {
    const secret = generateWebhookSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32)
    const rawBody = JSON.stringify({ id: 'evt_1', event: 'payment.success', created_at: new Date().toISOString(), data: { amount: 100 } })
    const timestamp = Math.floor(Date.now() / 1000)
    const headers = signatureHeaders(secret, { id: 'evt_1', timestamp, rawBody, event: 'payment.success' })
    expect(seedAccepts(secret, rawBody, headers['x-mpesa-gateway-signature'])).toBe(true)
    expect(new Webhook(secret).verify(rawBody, headers)).toEqual(JSON.parse(rawBody))
    expect(headers['x-mpesa-gateway-event']).toBe('payment.success')
  })

  it('property: sign → verify round-trips, and any change to the body or secret is refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ unit: 'binary' }), fc.nat(), (key, body, flip) => {
        const secret = `whsec_${Buffer.from(key).toString('base64')}`
        const signature = signMpg(secret, body)
        expect(signature).toBe(createHmac('sha256', secret).update(body).digest('hex'))
        expect(verifyWebhookSignature({ rawBody: body, signature, secret })).toBe(true)
        const bytes = Buffer.from(body, 'utf8')
        if (bytes.length > 0) {
          bytes[flip % bytes.length] ^= 1
          expect(failure(() => verifyWebhookSignature({ rawBody: bytes, signature, secret })).code).toBe('signature_mismatch')
        }
        expect(failure(() => verifyWebhookSignature({ rawBody: body, signature, secret: `${secret}x` })).code).toBe('signature_mismatch')
        const standard = signStandard(secret, { id: 'evt_x', timestamp: 1_700_000_000, rawBody: body })
        const expected = createHmac('sha256', Buffer.from(key)).update(`evt_x.1700000000.${body}`).digest('base64')
        expect(standard).toBe(`v1,${expected}`)
      }),
      { numRuns: 200 },
    )
  })
})

describe('verifyWebhookSignature failure modes', () => {
  const secret = SPEC_SECRET
  const rawBody = SPEC_PAYLOAD

  it('parsed JSON instead of the raw body: names the mistake', () => {
    const error = failure(() => verifyWebhookSignature({ rawBody: JSON.parse(rawBody) as never, signature: MPG_SIGNATURE, secret }))
    expect(error.code).toBe('body_not_raw')
    expect(error.message).toMatch(/raw request bytes.*not parsed JSON/)
  })

  it('a re-serialised body does not match, and the error says why', () => {
    const reserialised = JSON.stringify(JSON.parse(rawBody))
    expect(reserialised).not.toBe(rawBody)
    const error = failure(() => verifyWebhookSignature({ rawBody: reserialised, signature: MPG_SIGNATURE, secret }))
    expect(error.code).toBe('signature_mismatch')
    expect(error.message).toMatch(/raw request body exactly as received/)
    expect(error.message).toMatch(/re-serialised/)
  })

  it('wrong secret', () => {
    expect(failure(() => verifyWebhookSignature({ rawBody, signature: MPG_SIGNATURE, secret: generateWebhookSecret() })).code).toBe('signature_mismatch')
  })

  it('missing signature header', () => {
    expect(failure(() => verifyWebhookSignature({ rawBody, signature: undefined, secret })).code).toBe('missing_signature')
    expect(failure(() => verifyWebhookSignature({ rawBody, signature: '  ', secret })).code).toBe('missing_signature')
  })

  it('malformed signature: the Standard Webhooks header by mistake, truncated hex, repeated header', () => {
    const standard = failure(() => verifyWebhookSignature({ rawBody, signature: SPEC_SIGNATURE, secret }))
    expect(standard.code).toBe('malformed_signature')
    expect(standard.message).toMatch(/standardwebhooks/)
    expect(failure(() => verifyWebhookSignature({ rawBody, signature: MPG_SIGNATURE.slice(0, 63), secret })).code).toBe('malformed_signature')
    expect(failure(() => verifyWebhookSignature({ rawBody, signature: [MPG_SIGNATURE, MPG_SIGNATURE], secret })).code).toBe('malformed_signature')
  })

  it('empty secret', () => {
    expect(failure(() => verifyWebhookSignature({ rawBody, signature: MPG_SIGNATURE, secret: '' })).code).toBe('missing_secret')
  })
})
