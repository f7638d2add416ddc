import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto'
import { RecentValues } from '../utils/recent-values.js'

/**
 * Webhook signatures. One secret string, shown once when the endpoint is created, verifies both
 * signature headers:
 *
 * - `X-Mpesa-Gateway-Signature` (the seed's scheme): hex HMAC-SHA256 of the raw body, keyed with
 *   the secret string's UTF-8 bytes exactly as shown (`whsec_…` included), which is what
 *   `crypto.createHmac("sha256", endpointSecret)` does with a string key.
 * - `webhook-signature` (Standard Webhooks): `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`,
 *   keyed with the bytes the secret encodes (base64 after `whsec_`), as the spec's libraries do.
 */
export const SECRET_PREFIX = 'whsec_'

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`
}

export type SignatureScheme = 'mpg' | 'standard'

export type RawBody = string | Uint8Array

interface SignedMessage {
  rawBody: RawBody
  /** Standard Webhooks only: the `webhook-id` and `webhook-timestamp` (seconds) headers. */
  id?: string
  timestamp?: number
}

/** The key the scheme uses for a secret string (see the module comment). */
function signingKey(scheme: SignatureScheme, secret: string): Buffer {
  if (scheme === 'mpg') return Buffer.from(secret, 'utf8')
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret
  return Buffer.from(encoded, 'base64')
}

/** Secrets seen lately (one per endpoint): their keys, imported once rather than per signature. */
const keyCache = new RecentValues<string, { mpg: KeyObject; standard: KeyObject }>(256)

/** The scheme's key for a secret, as a KeyObject (an HMAC keyed with it skips decoding and copying the key). */
function cachedKey(scheme: SignatureScheme, secret: string): KeyObject {
  return keyCache.getOrMake(secret, (s) => ({ mpg: createSecretKey(signingKey('mpg', s)), standard: createSecretKey(signingKey('standard', s)) }))[scheme]
}

/**
 * The one place that decides what is signed: the raw body, or `${id}.${timestamp}.${body}`. The
 * parts go to the HMAC as they are (a string as its UTF-8 bytes), without copying the body.
 */
function mac(scheme: SignatureScheme, secret: string, message: SignedMessage): Buffer {
  const hmac = createHmac('sha256', cachedKey(scheme, secret))
  if (scheme === 'standard') hmac.update(`${message.id}.${message.timestamp}.`, 'utf8')
  return (typeof message.rawBody === 'string' ? hmac.update(message.rawBody, 'utf8') : hmac.update(message.rawBody)).digest()
}

/** `X-Mpesa-Gateway-Signature`: lowercase hex. */
export function signMpg(secret: string, rawBody: RawBody): string {
  return mac('mpg', secret, { rawBody }).toString('hex')
}

/** `webhook-signature`: `v1,<base64>`. */
export function signStandard(secret: string, message: { id: string; timestamp: number; rawBody: RawBody }): string {
  return `v1,${mac('standard', secret, message).toString('base64')}`
}

/** Every signature header of one delivery attempt. */
export function signatureHeaders(secret: string, message: { id: string; timestamp: number; rawBody: RawBody; event: string }): Record<string, string> {
  return {
    'x-mpesa-gateway-signature': signMpg(secret, message.rawBody),
    'x-mpesa-gateway-event': message.event,
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestamp),
    'webhook-signature': signStandard(secret, message),
  }
}

export type WebhookSignatureErrorCode = 'body_not_raw' | 'missing_signature' | 'malformed_signature' | 'missing_secret' | 'signature_mismatch'

/** Why a signature was refused; `code` is stable, the message says what to change. */
export class WebhookSignatureError extends Error {
  readonly code: WebhookSignatureErrorCode
  constructor(code: WebhookSignatureErrorCode, message: string) {
    super(message)
    this.name = 'WebhookSignatureError'
    this.code = code
  }
}

export interface VerifyWebhookSignatureInput {
  /** The request body exactly as received: a Buffer/Uint8Array or the undecoded text, never parsed JSON. */
  rawBody: RawBody
  /** The `X-Mpesa-Gateway-Signature` header. */
  signature: string | string[] | undefined | null
  /** The endpoint secret (`whsec_…`) shown when the endpoint was created. */
  secret: string
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i

/**
 * Checks `X-Mpesa-Gateway-Signature` against the raw body, in constant time. Returns true or
 * throws a WebhookSignatureError naming the likely mistake.
 */
export function verifyWebhookSignature(input: VerifyWebhookSignatureInput): true {
  const { rawBody, secret } = input
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
    throw new WebhookSignatureError(
      'body_not_raw',
      'rawBody must be the raw request bytes (Buffer or string), not parsed JSON: read the body unparsed (e.g. express.raw({ type: "application/json" })) and pass it as is.',
    )
  }
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new WebhookSignatureError('missing_secret', 'secret is empty: pass the endpoint secret (whsec_…) shown when the webhook endpoint was created.')
  }
  const header = Array.isArray(input.signature) ? (input.signature.length === 1 ? input.signature[0] : undefined) : input.signature
  if (Array.isArray(input.signature) && input.signature.length > 1) {
    throw new WebhookSignatureError('malformed_signature', 'more than one X-Mpesa-Gateway-Signature header was received; expected exactly one.')
  }
  if (typeof header !== 'string' || header.trim() === '') {
    throw new WebhookSignatureError('missing_signature', 'no signature: pass the X-Mpesa-Gateway-Signature header of the request.')
  }
  const presented = header.trim()
  if (!HEX_SHA256.test(presented)) {
    const hint = presented.startsWith('v1,') ? ' (that looks like the Standard Webhooks webhook-signature header; verify it with the standardwebhooks package instead)' : ''
    throw new WebhookSignatureError('malformed_signature', `the signature is not 64 hex characters${hint}: pass the X-Mpesa-Gateway-Signature header.`)
  }
  const expected = mac('mpg', secret, { rawBody })
  if (!timingSafeEqual(expected, Buffer.from(presented, 'hex'))) {
    throw new WebhookSignatureError(
      'signature_mismatch',
      'signature mismatch: compute it over the raw request body exactly as received (a body parsed and re-serialised with JSON.stringify, or re-encoded, will not match), with the secret of this endpoint (whsec_…).',
    )
  }
  return true
}
