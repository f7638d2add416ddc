import type { H3Event } from 'h3'
import type { z } from 'zod'
import { ApiError, validationError } from './errors.js'

export const MAX_BODY_BYTES = 16 * 1024

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  })
}

/** Reads at most `limit` bytes of the body, so a huge upload cannot fill memory. */
export async function readRawBody(event: H3Event, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () =>
    new ApiError(413, 'Payload too large', `Send a JSON body of at most ${limit / 1024} KiB.`, `limit ${limit} bytes`)
  const declared = Number(event.req.headers.get('content-length') ?? '0')
  if (declared > limit) throw tooLarge()
  const stream = event.req.body
  if (!stream) return Buffer.alloc(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/**
 * The edge of every JSON endpoint: content type (415), size (413), syntax (400) and shape (400),
 * in that order, each with a hint. Returns the raw text too, for fingerprints and signatures.
 */
export async function readJsonBody<S extends z.ZodType>(event: H3Event, schema: S, hint: string): Promise<{ data: z.infer<S>; raw: string }> {
  const contentType = event.req.headers.get('content-type') ?? ''
  if (!/^application\/json\b/i.test(contentType.trim())) {
    throw new ApiError(415, 'Unsupported media type', 'Send the body as JSON with `Content-Type: application/json`.', contentType ? 'content-type is not application/json' : 'no content-type header')
  }
  const raw = (await readRawBody(event)).toString('utf8')
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ApiError(400, 'Malformed JSON', 'Send a valid JSON object, e.g. {"amount":100,"phone":"254712345678",…}.', raw.length === 0 ? 'empty body' : 'the body is not valid JSON')
  }
  const result = schema.safeParse(parsed)
  if (!result.success) throw validationError(result.error, hint)
  return { data: result.data, raw }
}
