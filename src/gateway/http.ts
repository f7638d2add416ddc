import type { IncomingMessage, ServerResponse } from 'node:http'
import { HTTPResponse } from 'h3'
import type { z } from 'zod'
import { ApiError, validationError } from './errors.js'
import type { Answer, RouteEvent } from './route.js'

export const MAX_BODY_BYTES = 16 * 1024

/**
 * A JSON answer. Successes are an h3 `HTTPResponse` rather than a web `Response`: on node:http h3
 * writes its string straight to the socket, where a `Response` is built and then read back through
 * a web stream. Errors stay a `Response`, for which h3 adds only error headers (not the rate
 * limiter's, which a success carries).
 */
export function json(status: number, body: unknown, headers?: Record<string, string>): Answer {
  const init = { status, headers: headers ? { 'content-type': JSON_TYPE, ...headers } : JSON_HEADERS }
  return status < 400 ? new JsonAnswer(JSON.stringify(body), init) : new Response(JSON.stringify(body), init)
}

/** A successful JSON answer whose text and headers node-listener.ts can write without building web Headers. */
export class JsonAnswer extends HTTPResponse {
  constructor(
    readonly text: string,
    readonly init: { status: number; headers: Readonly<Record<string, string>> },
  ) {
    super(text, init)
  }
}

const JSON_TYPE = 'application/json; charset=utf-8'
const JSON_HEADERS = { 'content-type': JSON_TYPE }

const tooLarge = (limit: number) => new ApiError(413, 'Payload too large', `Send a JSON body of at most ${limit / 1024} KiB.`, `limit ${limit} bytes`)

/** The Node request under the event when nothing has started reading its body (served by node:http). */
function untouchedNodeRequest(event: RouteEvent): IncomingMessage | undefined {
  const req = event.runtime?.node?.req as IncomingMessage | undefined
  return req && !req.readableDidRead && req.listenerCount('data') === 0 ? req : undefined
}

/** The body being read from a Node request (its listeners below find it under this key). */
const BODY = Symbol('body')
type Reading = IncomingMessage & { [BODY]?: NodeBody }

/**
 * Collects the body from the Node request's own 'data' events: no web stream, reader or
 * promise per chunk in between (what h3 gives through `event.req.body`). The listeners are four
 * functions shared by every request (Node calls them with the request as `this`), not closures
 * made per request.
 */
class NodeBody {
  readonly promise: Promise<Buffer>
  private resolve!: (body: Buffer) => void
  private reject!: (error: ApiError) => void
  private readonly chunks: Buffer[] = []
  private size = 0

  constructor(
    private readonly req: Reading,
    private readonly res: ServerResponse | undefined,
    private readonly limit: number,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    req[BODY] = this
    req.on('data', onBodyData)
    req.on('end', onBodyEnd)
    req.on('error', onBodyError)
    req.on('close', onBodyClose)
  }

  private done(): void {
    this.req[BODY] = undefined
    this.req.off('data', onBodyData)
    this.req.off('end', onBodyEnd)
    this.req.off('error', onBodyError)
    this.req.off('close', onBodyClose)
  }

  data(chunk: Buffer): void {
    this.size += chunk.length
    if (this.size > this.limit) {
      this.done()
      // The rest is not read: the 413 goes out and the connection closes after it.
      this.req.pause()
      if (this.res) this.res.shouldKeepAlive = false
      this.reject(tooLarge(this.limit))
      return
    }
    this.chunks.push(chunk)
  }

  end(): void {
    this.done()
    this.resolve(this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size))
  }

  fail(detail: string): void {
    this.done()
    this.reject(new ApiError(400, 'Request body incomplete', 'Send the whole body again.', detail))
  }
}

function onBodyData(this: Reading, chunk: Buffer): void {
  this[BODY]?.data(chunk)
}
function onBodyEnd(this: Reading): void {
  this[BODY]?.end()
}
function onBodyError(this: Reading, error: Error): void {
  this[BODY]?.fail(error.message)
}
function onBodyClose(this: Reading): void {
  this[BODY]?.fail('the connection closed before the body ended')
}

/** Reads at most `limit` bytes of the body, so a huge upload cannot fill memory. */
export async function readRawBody(event: RouteEvent, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const nodeReq = untouchedNodeRequest(event)
  const declared = Number((nodeReq ? nodeReq.headers['content-length'] : event.req.headers.get('content-length')) ?? '0')
  if (declared > limit) throw tooLarge(limit)
  if (nodeReq) return nodeReq.method === 'GET' || nodeReq.method === 'HEAD' ? Buffer.alloc(0) : new NodeBody(nodeReq, event.runtime?.node?.res as ServerResponse | undefined, limit).promise
  // Other runtimes (a fetch handler), or a body someone already started on: the web stream.
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
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/**
 * The edge of every JSON endpoint: content type (415), size (413), syntax (400) and shape (400),
 * in that order, each with a hint. Returns the raw text too, for fingerprints and signatures.
 */
export async function readJsonBody<S extends z.ZodType>(event: RouteEvent, schema: S, hint: string): Promise<{ data: z.infer<S>; raw: string }> {
  const contentType = (event.runtime?.node?.req as IncomingMessage | undefined)?.headers['content-type'] ?? event.req.headers.get('content-type') ?? ''
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

/** A JSON body that may be left out (no Content-Length, no chunks): `absent` stands in for it. */
export async function readOptionalJsonBody<S extends z.ZodType>(event: RouteEvent, schema: S, hint: string, absent: () => z.infer<S>): Promise<z.infer<S>> {
  const hasBody = Number(event.req.headers.get('content-length') ?? '0') > 0 || event.req.headers.has('transfer-encoding')
  return hasBody ? (await readJsonBody(event, schema, hint)).data : absent()
}
