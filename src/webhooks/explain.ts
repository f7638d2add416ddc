import { timingSafeEqual } from 'node:crypto'
import { SECRET_PREFIX, signMpg, signStandard, type RawBody } from './signature.js'

/**
 * Diagnoses a webhook signature the way a person debugging a receiver would: not only "valid or
 * not", but which of the usual mistakes explains a mismatch. Each check recomputes the signature
 * over a plausible variant of what the receiver did (re-serialised JSON, an added newline, the
 * secret without its prefix, …) and names the mistake whose variant matches.
 */

/** Standard Webhooks' default tolerance for `webhook-timestamp`. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60

export type SignatureFinding =
  | 'valid'
  | 'missing_header'
  | 'malformed_header'
  | 'uppercase_hex'
  | 'reserialised_body'
  | 'trailing_newline'
  | 'trimmed_body'
  | 'secret_without_prefix'
  | 'secret_of_another_endpoint'
  | 'timestamp_outside_tolerance'
  | 'wrong_secret_or_body'

export interface SchemeVerdict {
  scheme: 'x-mpesa-gateway-signature' | 'webhook-signature'
  valid: boolean
  finding: SignatureFinding
  /** One or two sentences: what is wrong, and what to change. */
  explanation: string
}

export interface ExplainWebhookSignatureInput {
  rawBody: RawBody
  /** Request headers, any case; values as received. */
  headers: Record<string, string | string[] | undefined>
  /** The endpoint secret (`whsec_…`). */
  secret: string
  /** Other secrets of yours (other endpoints): a mismatch that one of them explains is named. */
  otherSecrets?: string[]
  toleranceSeconds?: number
  /** Unix seconds; defaults to now. */
  now?: number
}

export interface SignatureExplanation {
  /** True when every signature header present is valid (and at least one is present). */
  valid: boolean
  verdicts: SchemeVerdict[]
}

const HEX64 = /^[0-9a-fA-F]{64}$/

function header(headers: ExplainWebhookSignatureInput['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue
    return Array.isArray(value) ? value.join(',') : value
  }
  return undefined
}

const text = (body: RawBody): string => (typeof body === 'string' ? body : Buffer.from(body).toString('utf8'))

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Bodies the sender may really have signed when the receiver holds `body`. */
function bodyVariants(body: string): Array<{ body: string; finding: SignatureFinding; explanation: string }> {
  const variants: Array<{ body: string; finding: SignatureFinding; explanation: string }> = []
  if (/\r?\n$/.test(body)) {
    variants.push({
      body: body.replace(/\r?\n$/, ''),
      finding: 'trailing_newline',
      explanation: 'The body has a trailing newline the sender did not sign (a file saved by an editor, or a proxy that added it). Verify the bytes exactly as received, with nothing appended.',
    })
  }
  if (body.trim() !== body) {
    variants.push({
      body: body.trim(),
      finding: 'trimmed_body',
      explanation: 'The body has white space around it that the sender did not sign. Verify the bytes exactly as received.',
    })
  }
  try {
    const compact = JSON.stringify(JSON.parse(body))
    if (compact !== body) {
      variants.push({
        body: compact,
        finding: 'reserialised_body',
        explanation:
          'The body was re-serialised: it is the same JSON as what was signed, but not the same bytes (parsed and printed again, re-indented or re-ordered). Verify the raw request body before any JSON parsing (e.g. express.raw({ type: "application/json" })).',
      })
    }
  } catch {
    // Not JSON: nothing to re-serialise.
  }
  return variants
}

function secretVariants(secret: string, others: string[]): Array<{ secret: string; finding: SignatureFinding; explanation: string }> {
  const variants: Array<{ secret: string; finding: SignatureFinding; explanation: string }> = []
  if (secret.startsWith(SECRET_PREFIX)) {
    // A receiver that keyed the HMAC with the base64 part only, or with the prefix only added back.
    variants.push({
      secret: secret.slice(SECRET_PREFIX.length),
      finding: 'secret_without_prefix',
      explanation: `The signature was made with the secret without its "${SECRET_PREFIX}" prefix. Use the whole secret string as shown when the endpoint was created.`,
    })
  } else {
    variants.push({
      secret: `${SECRET_PREFIX}${secret}`,
      finding: 'secret_without_prefix',
      explanation: `The secret you passed lacks its "${SECRET_PREFIX}" prefix. Use the whole secret string as shown when the endpoint was created.`,
    })
  }
  others.forEach((other, i) => {
    variants.push({
      secret: other,
      finding: 'secret_of_another_endpoint',
      explanation: `The signature matches another of your secrets (the ${ordinal(i + 1)} other secret given), not this one: this delivery came to an endpoint whose secret you are not using here.`,
    })
  })
  return variants
}

const ordinal = (n: number) => (n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`)

function explainMpg(input: ExplainWebhookSignatureInput, presentedRaw: string): SchemeVerdict {
  const scheme = 'x-mpesa-gateway-signature' as const
  const presented = presentedRaw.trim()
  if (!HEX64.test(presented)) {
    const looksStandard = presented.startsWith('v1,')
    return {
      scheme,
      valid: false,
      finding: 'malformed_header',
      explanation: looksStandard
        ? 'X-Mpesa-Gateway-Signature holds a Standard Webhooks value ("v1,…"): that belongs in webhook-signature. X-Mpesa-Gateway-Signature is 64 hex characters.'
        : `X-Mpesa-Gateway-Signature is not 64 hex characters (got ${presented.length} characters). Pass the header's value exactly as received.`,
    }
  }
  const body = text(input.rawBody)
  const matches = (secret: string, candidate: RawBody) => sameText(signMpg(secret, candidate), presented.toLowerCase())
  if (matches(input.secret, input.rawBody)) {
    if (presented !== presented.toLowerCase()) {
      return {
        scheme,
        valid: true,
        finding: 'uppercase_hex',
        explanation:
          'The signature is right but written in upper-case hex; the gateway sends lower case. A receiver comparing strings (expected !== header) would refuse it: compare the decoded bytes with crypto.timingSafeEqual, or lower-case both.',
      }
    }
    return { scheme, valid: true, finding: 'valid', explanation: 'Valid: HMAC-SHA256 of the raw body with this secret.' }
  }
  for (const variant of bodyVariants(body)) {
    if (matches(input.secret, variant.body)) return { scheme, valid: false, finding: variant.finding, explanation: variant.explanation }
  }
  for (const variant of secretVariants(input.secret, input.otherSecrets ?? [])) {
    if (matches(variant.secret, body)) return { scheme, valid: false, finding: variant.finding, explanation: variant.explanation }
  }
  return {
    scheme,
    valid: false,
    finding: 'wrong_secret_or_body',
    explanation:
      'The signature matches neither this body with this secret nor any usual mistake (re-serialised JSON, an added newline, the secret without whsec_). Check that the secret belongs to the endpoint that received this delivery and that the body is the raw bytes received.',
  }
}

function explainStandard(input: ExplainWebhookSignatureInput, presented: string): SchemeVerdict {
  const scheme = 'webhook-signature' as const
  const id = header(input.headers, 'webhook-id')
  const timestampText = header(input.headers, 'webhook-timestamp')
  const candidates = presented
    .split(' ')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1,'))
  if (candidates.length === 0) {
    return { scheme, valid: false, finding: 'malformed_header', explanation: 'webhook-signature holds no "v1,<base64>" signature. Pass the header exactly as received.' }
  }
  if (!id || !timestampText || !/^\d+$/.test(timestampText)) {
    return {
      scheme,
      valid: false,
      finding: 'missing_header',
      explanation: 'webhook-signature needs the webhook-id and webhook-timestamp headers of the same request (the signed content is "id.timestamp.body"). Pass all three.',
    }
  }
  const timestamp = Number(timestampText)
  const body = text(input.rawBody)
  const signs = (secret: string, candidateBody: RawBody) => candidates.some((c) => sameText(signStandard(secret, { id, timestamp, rawBody: candidateBody }), c))
  const now = input.now ?? Math.floor(Date.now() / 1000)
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS
  if (signs(input.secret, input.rawBody)) {
    if (Math.abs(now - timestamp) > tolerance) {
      const age = now - timestamp
      return {
        scheme,
        valid: false,
        finding: 'timestamp_outside_tolerance',
        explanation: `The signature is right, but webhook-timestamp is ${Math.abs(age)} s ${age >= 0 ? 'old' : 'in the future'}, outside the ${tolerance} s tolerance: a receiver must refuse it (a replay, or a clock that is off — check NTP).`,
      }
    }
    return { scheme, valid: true, finding: 'valid', explanation: 'Valid: Standard Webhooks v1 signature of "id.timestamp.body", timestamp within tolerance.' }
  }
  for (const variant of bodyVariants(body)) {
    if (signs(input.secret, variant.body)) return { scheme, valid: false, finding: variant.finding, explanation: variant.explanation }
  }
  for (const variant of secretVariants(input.secret, input.otherSecrets ?? [])) {
    if (signs(variant.secret, body)) return { scheme, valid: false, finding: variant.finding, explanation: variant.explanation }
  }
  return {
    scheme,
    valid: false,
    finding: 'wrong_secret_or_body',
    explanation:
      'The signature matches neither "id.timestamp.body" with this secret nor any usual mistake. Check the secret, that webhook-id and webhook-timestamp come from the same request, and that the body is the raw bytes received.',
  }
}

/** Explains both signature headers of one received delivery. */
export function explainWebhookSignature(input: ExplainWebhookSignatureInput): SignatureExplanation {
  const verdicts: SchemeVerdict[] = []
  const mpg = header(input.headers, 'x-mpesa-gateway-signature')
  const standard = header(input.headers, 'webhook-signature')
  if (mpg !== undefined) verdicts.push(explainMpg(input, mpg))
  if (standard !== undefined) verdicts.push(explainStandard(input, standard))
  if (verdicts.length === 0) {
    verdicts.push({
      scheme: 'x-mpesa-gateway-signature',
      valid: false,
      finding: 'missing_header',
      explanation: 'No signature header: pass X-Mpesa-Gateway-Signature (or webhook-signature with webhook-id and webhook-timestamp) from the request.',
    })
  }
  return { valid: verdicts.every((v) => v.valid), verdicts }
}
