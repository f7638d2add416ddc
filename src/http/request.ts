/**
 * The one outbound HTTP path of the project (Daraja calls, webhook deliveries, the SDK client,
 * the emulator's callbacks). undici is loaded on first use so that CLI start-up does not pay for it.
 */
import { lookup as dnsLookup } from 'node:dns'
import { isIP } from 'node:net'
import type { Dispatcher } from 'undici'

export interface OutboundRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  headers?: Record<string, string>
  /** Raw body, sent byte-for-byte. */
  body?: string | Buffer
  /** Serialised as JSON with `content-type: application/json` when `body` is not given. */
  json?: unknown
  /** Whole-request deadline (connect + headers + body). */
  timeoutMs: number
  /** Extra attempts on network errors and 5xx answers. Only for idempotent calls. */
  retries?: number
  /** First retry delay; doubles on each further attempt. */
  retryDelayMs?: number
  /** Largest response body kept, in bytes; the rest is discarded. */
  maxBodyBytes?: number
  signal?: AbortSignal
  /**
   * Connect only to addresses this accepts. The host is resolved once, every address it resolves
   * to is checked, and the connection goes to a checked one: a DNS answer cannot change between
   * the check and the connection. Refusals throw NetworkError with code EADDRNOTALLOWED.
   * Pass the same function each time: connections are pooled per function.
   */
  allowAddress?: (address: string) => boolean
}

export interface OutboundResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** Whether the body was cut at maxBodyBytes. */
  truncated: boolean
  durationMs: number
}

/** The request never produced an HTTP answer (refused, reset, DNS, timeout). */
export class NetworkError extends Error {
  readonly code: string
  readonly timedOut: boolean
  constructor(message: string, code: string, timedOut: boolean, cause?: unknown) {
    super(message, { cause })
    this.name = 'NetworkError'
    this.code = code
    this.timedOut = timedOut
  }
}

/** The address a request was about to connect to is not allowed (see OutboundRequest.allowAddress). */
export const ADDRESS_NOT_ALLOWED = 'EADDRNOTALLOWED'

const notAllowed = (host: string, address: string) =>
  Object.assign(new Error(`${host} is ${address === host ? '' : `${address}, `}an address this request may not reach`), { code: ADDRESS_NOT_ALLOWED })

type LookupCallback = (error: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void

/** A `lookup` for net/tls.connect that refuses a host when any address it resolves to is not allowed. */
function guardedLookup(allow: (address: string) => boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '')
      const refused = addresses.find((a) => !allow(a.address))
      if (refused) return callback(notAllowed(hostname, refused.address), '')
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '')
      if (options.all) callback(null, addresses)
      else callback(null, addresses[0].address, addresses[0].family)
    })
  }
}

const guardedAgents = new WeakMap<(address: string) => boolean, Dispatcher>()

function guardedDispatcher(undici: typeof import('undici'), allow: (address: string) => boolean): Dispatcher {
  let agent = guardedAgents.get(allow)
  if (!agent) {
    agent = new undici.Agent({ connect: { lookup: guardedLookup(allow) as never } })
    guardedAgents.set(allow, agent)
  }
  return agent
}

let undiciModule: Promise<typeof import('undici')> | undefined
function loadUndici() {
  // undici is CommonJS: bundled (dist/bundle), its exports arrive under `default`.
  undiciModule ??= import('undici').then((m) => ('request' in m ? m : (m as unknown as { default: typeof m }).default))
  return undiciModule
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  let truncated = false
  for await (const chunk of body) {
    const buf = chunk as Buffer
    if (size + buf.length > maxBytes) {
      chunks.push(buf.subarray(0, maxBytes - size))
      truncated = true
      body.destroy()
      break
    }
    chunks.push(buf)
    size += buf.length
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated }
}

async function attempt(req: OutboundRequest): Promise<OutboundResponse> {
  const undici = await loadUndici()
  let dispatcher: Dispatcher | undefined
  if (req.allowAddress) {
    // An address literal is connected to without a lookup, so it is checked here.
    const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '')
    if (isIP(host) && !req.allowAddress(host)) {
      throw new NetworkError(notAllowed(host, host).message, ADDRESS_NOT_ALLOWED, false)
    }
    dispatcher = guardedDispatcher(undici, req.allowAddress)
  }
  const headers: Record<string, string> = { ...req.headers }
  let body = req.body
  if (body === undefined && req.json !== undefined) {
    body = JSON.stringify(req.json)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
  }
  const started = performance.now()
  const timeout = AbortSignal.timeout(req.timeoutMs)
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout
  try {
    const res = await undici.request(req.url, {
      method: req.method,
      headers,
      body,
      signal,
      dispatcher,
      maxRedirections: 0,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    } as Parameters<typeof undici.request>[1])
    const { text, truncated } = await readBody(res.body, req.maxBodyBytes ?? 1024 * 1024)
    return {
      status: res.statusCode,
      headers: flattenHeaders(res.headers),
      body: text,
      truncated,
      durationMs: performance.now() - started,
    }
  } catch (error) {
    const err = error as { code?: string; name?: string; message?: string }
    const timedOut = timeout.aborted || err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT'
    const code = timedOut ? 'ETIMEDOUT' : (err.code ?? 'ECONNERROR')
    const message = timedOut ? `no answer within ${req.timeoutMs} ms` : (err.message ?? String(error))
    throw new NetworkError(message, code, timedOut, error)
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends a request; retries (when asked) only on network errors and 5xx, with exponential backoff. */
export async function sendRequest(req: OutboundRequest): Promise<OutboundResponse> {
  const retries = req.retries ?? 0
  let delay = req.retryDelayMs ?? 200
  for (let attemptNo = 0; ; attemptNo++) {
    try {
      const res = await attempt(req)
      if (res.status >= 500 && attemptNo < retries) {
        await sleep(delay)
        delay *= 2
        continue
      }
      return res
    } catch (error) {
      if (!(error instanceof NetworkError) || attemptNo >= retries || req.signal?.aborted) throw error
      await sleep(delay)
      delay *= 2
    }
  }
}

/** Parses a JSON body, returning undefined instead of throwing on malformed text. */
export function parseJsonBody(body: string): unknown {
  if (!body) return undefined
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

export interface OutboundStreamRequest {
  method?: 'GET' | 'POST'
  url: string
  headers?: Record<string, string>
  /** Deadline for the connection and the response headers. */
  connectTimeoutMs: number
  /** The stream is treated as dead when no byte arrives for this long (heartbeats count). */
  idleTimeoutMs: number
  signal?: AbortSignal
}

export interface OutboundStream {
  status: number
  headers: Record<string, string>
  /** The response body as it arrives; ends when the server closes or `signal` aborts. */
  body: AsyncIterable<Uint8Array>
  /** Drops the connection; safe to call more than once. */
  close(): void
}

/**
 * Opens a long-lived response (Server-Sent Events) through the same undici path. Connection and
 * header failures throw NetworkError; the body iterable throws NetworkError when it goes idle or
 * breaks, and simply ends when `signal` aborts.
 */
export async function openStream(req: OutboundStreamRequest): Promise<OutboundStream> {
  const { request } = await loadUndici()
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  if (req.signal?.aborted) controller.abort()
  req.signal?.addEventListener('abort', onAbort, { once: true })
  const connectTimer = setTimeout(() => controller.abort(new DOMException('connect timeout', 'TimeoutError')), req.connectTimeoutMs)
  let res
  try {
    res = await request(req.url, {
      method: req.method ?? 'GET',
      headers: req.headers,
      signal: controller.signal,
      maxRedirections: 0,
      headersTimeout: req.connectTimeoutMs,
      bodyTimeout: req.idleTimeoutMs,
    } as Parameters<typeof request>[1])
  } catch (error) {
    req.signal?.removeEventListener('abort', onAbort)
    const err = error as { code?: string; name?: string; message?: string }
    const timedOut = !req.signal?.aborted && (controller.signal.aborted || err.code === 'UND_ERR_HEADERS_TIMEOUT')
    throw new NetworkError(timedOut ? `no answer within ${req.connectTimeoutMs} ms` : (err.message ?? String(error)), timedOut ? 'ETIMEDOUT' : (err.code ?? 'ECONNERROR'), timedOut, error)
  } finally {
    clearTimeout(connectTimer)
  }
  const body = res.body
  const close = () => {
    req.signal?.removeEventListener('abort', onAbort)
    if (!body.destroyed) body.destroy()
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body) yield chunk as Uint8Array
    } catch (error) {
      if (req.signal?.aborted) return
      const err = error as { code?: string; message?: string }
      const idle = err.code === 'UND_ERR_BODY_TIMEOUT'
      throw new NetworkError(idle ? `no data for ${req.idleTimeoutMs} ms` : (err.message ?? String(error)), idle ? 'ETIMEDOUT' : (err.code ?? 'ECONNRESET'), idle, error)
    } finally {
      close()
    }
  }
  return { status: res.statusCode, headers: flattenHeaders(res.headers), body: chunks(), close }
}
