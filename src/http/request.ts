/**
 * The one outbound HTTP path of the project (Daraja calls, webhook deliveries, the SDK client,
 * the emulator's callbacks). undici is loaded on first use so that CLI start-up does not pay for it.
 */
import { lookup as dnsLookup } from 'node:dns'
import { isIP } from 'node:net'
import type { Dispatcher } from 'undici'
import type { RequestThread } from './request-thread.js'

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
  /**
   * Make the exchange on this thread once it has loaded (request-thread.ts), not on the caller's
   * event loop; until then, after it stops, and for a request with a signal or an address check
   * (neither can cross to a thread), inline.
   */
  thread?: RequestThread
}

export interface OutboundResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** Whether the body was cut at maxBodyBytes. */
  truncated: boolean
  durationMs: number
}

/** How every outbound timeout is worded, with the deadline the caller set (not what was left of it). */
export const noAnswerWithin = (timeoutMs: number) => `no answer within ${timeoutMs} ms`

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

/**
 * Connections are kept alive and pooled per origin (an Agent holds one Pool per origin). The
 * limit keeps a burst from opening a socket per request; requests beyond it wait in the pool,
 * inside their own deadline. An idle socket is kept 4 s unless the server's `Keep-Alive` header
 * says otherwise: under the 5 s many servers and proxies close idle sockets at without saying so,
 * since a request sent on a socket the other side is closing fails, and a failed STK push is
 * ambiguous (it may have reached Daraja).
 */
const POOL_OPTIONS = { connections: 128, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 60_000 }

let undici: typeof import('undici') | undefined
let undiciModule: Promise<typeof import('undici')> | undefined
function loadUndici(): Promise<typeof import('undici')> {
  // undici is CommonJS: bundled (dist/bundle), its exports arrive under `default`.
  undiciModule ??= import('undici').then((m) => (undici = 'request' in m ? m : (m as unknown as { default: typeof m }).default))
  return undiciModule
}

let pooled: Dispatcher | undefined
const guardedAgents = new Map<(address: string) => boolean, Dispatcher>()

function dispatcherFor(lib: typeof import('undici'), allow: ((address: string) => boolean) | undefined): Dispatcher {
  if (!allow) return (pooled ??= new lib.Agent(POOL_OPTIONS))
  let agent = guardedAgents.get(allow)
  if (!agent) {
    agent = new lib.Agent({ ...POOL_OPTIONS, connect: { lookup: guardedLookup(allow) as never } })
    guardedAgents.set(allow, agent)
  }
  return agent
}

/**
 * Closes the pooled connections (after in-flight requests end). A CLI command calls it when it is
 * done, so idle keep-alive sockets do not hold the process; a later request opens new ones.
 */
export async function closeOutboundConnections(): Promise<void> {
  const agents = [pooled, ...guardedAgents.values()].filter((a): a is Dispatcher => a !== undefined)
  pooled = undefined
  guardedAgents.clear()
  await Promise.all(agents.map((a) => a.close().catch(() => undefined)))
}

/**
 * A plain URL (no user info, fragment or characters to escape) is split without building a URL
 * object. Not cached: a split costs ~0.3 µs, and the emulator's callbacks (and any URL carrying a
 * token) never come back, where a cache of recent URLs cost 1–2 µs a call in misses and clears.
 */
const PLAIN_URL = /^(https?:\/\/[a-z0-9.\-:[\]]+)([/?][!"$-~]*)?$/i

function splitUrl(url: string): { origin: string; path: string } {
  const m = PLAIN_URL.exec(url)
  if (m) return { origin: m[1], path: m[2] === undefined ? '/' : m[2][0] === '?' ? `/${m[2]}` : m[2] }
  const parsed = new URL(url)
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
}

/** The caller's headers and a JSON content type, copied into a literal (a spread copy given a new field is slow on Node 20). */
function withJsonContentType(headers: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = {}
  for (const name in headers) all[name] = headers[name]
  all['content-type'] = 'application/json'
  return all
}

function hasContentType(headers: Record<string, string>): boolean {
  for (const name in headers) if (name.length === 12 && name.toLowerCase() === 'content-type') return true
  return false
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const name in headers) {
    // undici gives lower-case names; only repeated headers arrive as arrays.
    const value = headers[name]
    if (typeof value !== 'string') return Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined).map(([n, v]) => [n, Array.isArray(v) ? v.join(', ') : (v as string)]))
  }
  return headers as Record<string, string>
}

function toNetworkError(error: unknown, timeoutMs: number, timedOutHere: boolean): NetworkError {
  const err = error as { code?: string; name?: string; message?: string }
  const timedOut = timedOutHere || err.name === 'TimeoutError' || err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT'
  const code = timedOut ? 'ETIMEDOUT' : (err.code ?? 'ECONNERROR')
  const message = timedOut ? noAnswerWithin(timeoutMs) : (err.message ?? String(error))
  return new NetworkError(message, code, timedOut, error)
}

/**
 * Callers share one signal across many requests (a worker's stop, the emulator's reset): each
 * signal gets a single listener that cancels the requests registered under it, so a request
 * only adds itself to a set, and leaving is O(1) however many are in flight.
 */
const inFlightBySignal = new WeakMap<AbortSignal, Set<Exchange>>()

function watchSignal(signal: AbortSignal, exchange: Exchange): void {
  let exchanges = inFlightBySignal.get(signal)
  if (!exchanges) {
    const set = new Set<Exchange>()
    exchanges = set
    inFlightBySignal.set(signal, set)
    signal.addEventListener(
      'abort',
      () => {
        for (const each of set) each.cancel()
        set.clear()
      },
      { once: true },
    )
  }
  exchanges.add(exchange)
}

const ABORTED = () => Object.assign(new Error('the request was cancelled'), { name: 'AbortError', code: 'UND_ERR_ABORTED' })

/**
 * A response's headers from undici's raw name/value pairs, as undici's own parse gives them (names
 * lower-cased, values latin1, repeats joined with ", "), read only when a caller asks: most
 * callers (Daraja's answers, a receiver's, the emulator's callbacks) never look at them.
 */
function headersOf(raw: Buffer[] | null): Record<string, string> {
  const headers: Record<string, string> = {}
  if (!raw) return headers
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase()
    const value = raw[i + 1].toString('latin1')
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value
  }
  return headers
}

/** What sendRequest resolves with; `headers` is parsed on first read. */
class Answer implements OutboundResponse {
  #raw: Buffer[] | null
  #headers: Record<string, string> | undefined
  constructor(
    readonly status: number,
    raw: Buffer[] | null,
    readonly body: string,
    readonly truncated: boolean,
    readonly durationMs: number,
  ) {
    this.#raw = raw
  }

  get headers(): Record<string, string> {
    if (this.#headers === undefined) {
      this.#headers = headersOf(this.#raw)
      this.#raw = null
    }
    return this.#headers
  }

  /** Spread and JSON like a plain response (the getter is not an own property). */
  toJSON(): OutboundResponse {
    return { status: this.status, headers: this.headers, body: this.body, truncated: this.truncated, durationMs: this.durationMs }
  }
}

/**
 * One request/answer through undici's dispatcher, the body collected as it arrives (no stream
 * objects in between). The whole-exchange deadline (queueing in the pool, connect, headers, body)
 * is one plain timer: undici's own header/body timeouts are kept as a backstop, but they tick at
 * ~0.5 s (a 300 ms deadline would fire after up to a second) and restart on every body chunk, so
 * on their own they cannot hold a short deadline. No AbortSignal is created per call, and the
 * caller's signal is shared (see watchSignal).
 *
 * It speaks undici's dispatch-handler protocol (onConnect/onHeaders/onData/onComplete/onError)
 * directly: a handler of the newer onRequestStart/onResponse* kind is wrapped by undici in an
 * adapter (two objects more per request) that also parses every response's headers and trailers
 * into objects, which most callers never read (headersOf does it on demand).
 */
class Exchange {
  readonly promise: Promise<OutboundResponse>
  #resolve!: (res: OutboundResponse) => void
  #reject!: (error: NetworkError) => void
  // The deadline and the signal, not the whole request: its body text (undici sends its own
  // Buffer of it) would otherwise stay live for as long as the answer takes, as garbage the
  // collector copies again at every young-generation collection meanwhile.
  readonly #timeoutMs: number
  readonly #signal: AbortSignal | undefined
  readonly #started = performance.now()
  readonly #maxBytes: number
  readonly #timer: NodeJS.Timeout
  #abort: ((reason: Error) => void) | undefined
  #done = false
  #status = 0
  #rawHeaders: Buffer[] | null = null
  #chunks: Buffer[] = []
  #size = 0

  constructor(req: OutboundRequest) {
    this.#timeoutMs = req.timeoutMs
    this.#signal = req.signal
    this.#maxBytes = req.maxBodyBytes ?? 1024 * 1024
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    this.#timer = setTimeout(this.#onTimeout, req.timeoutMs)
    // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
    this.#timer.unref()
    if (req.signal) watchSignal(req.signal, this)
  }

  readonly #onTimeout = () => this.#fail(toNetworkError(new Error('deadline'), this.#timeoutMs, true))

  /** The caller's signal aborted. */
  cancel(): void {
    this.#fail(toNetworkError(ABORTED(), this.#timeoutMs, false))
  }

  #finish(): boolean {
    if (this.#done) return false
    this.#done = true
    clearTimeout(this.#timer)
    if (this.#signal) inFlightBySignal.get(this.#signal)?.delete(this)
    return true
  }

  #fail(error: NetworkError): void {
    if (!this.#finish()) return
    this.#abort?.(error)
    this.#reject(error)
  }

  onConnect(abort: (reason: Error) => void): void {
    this.#abort = abort
    // The deadline passed (or the caller cancelled) while the request waited for a connection.
    if (this.#done) abort(new Error('abandoned'))
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.#status = statusCode
    this.#rawHeaders = rawHeaders
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.#done) return true
    if (this.#size + chunk.length > this.#maxBytes) {
      this.#chunks.push(chunk.subarray(0, this.#maxBytes - this.#size))
      this.#size = this.#maxBytes
      // The rest is not wanted: answer with what was kept and drop the connection.
      this.#settle(true)
      this.#abort?.(new Error('response body larger than wanted'))
      return true
    }
    this.#chunks.push(chunk)
    this.#size += chunk.length
    return true
  }

  onComplete(): void {
    this.#settle(false)
  }

  onError(error: Error): void {
    if (!this.#finish()) return
    this.#reject(toNetworkError(error, this.#timeoutMs, false))
  }

  #settle(truncated: boolean): void {
    if (!this.#finish()) return
    const chunks = this.#chunks
    const body = chunks.length === 0 ? '' : chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, this.#size).toString('utf8')
    this.#resolve(new Answer(this.#status, this.#rawHeaders, body, truncated, performance.now() - this.#started))
  }
}

/**
 * One attempt. Once undici is loaded it runs synchronously up to the dispatch (no promise layer of
 * its own); whatever it throws on the way is a rejection, as from an async function.
 */
function attempt(req: OutboundRequest): Promise<OutboundResponse> {
  if (req.thread !== undefined && req.signal === undefined && req.allowAddress === undefined && req.thread.usable()) {
    const { headers, body } = payloadOf(req)
    return req.thread.exchange({ method: req.method, url: req.url, headers, body, timeoutMs: req.timeoutMs, maxBodyBytes: req.maxBodyBytes })
  }
  if (undici === undefined) return loadUndici().then(() => attempt(req))
  try {
    return dispatchOnce(req, undici)
  } catch (error) {
    return Promise.reject(error)
  }
}

function dispatchOnce(req: OutboundRequest, lib: typeof import('undici')): Promise<OutboundResponse> {
  if (req.allowAddress) {
    // An address literal is connected to without a lookup, so it is checked here.
    const host = new URL(req.url).hostname.replace(/^\[|\]$/g, '')
    if (isIP(host) && !req.allowAddress(host)) {
      throw new NetworkError(notAllowed(host, host).message, ADDRESS_NOT_ALLOWED, false)
    }
  }
  if (req.signal?.aborted) throw toNetworkError(ABORTED(), req.timeoutMs, false)
  const { headers, body } = payloadOf(req)
  const { origin, path } = splitUrl(req.url)
  const exchange = new Exchange(req)
  dispatcherFor(lib, req.allowAddress).dispatch(
    { origin, path, method: req.method, headers, body, headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs },
    exchange as unknown as Dispatcher.DispatchHandler,
  )
  return exchange.promise
}

/** The bytes to send and their headers: `json` serialised, with its content type unless the caller named one. */
function payloadOf(req: OutboundRequest): { headers: Record<string, string> | undefined; body: string | Buffer | undefined } {
  if (req.body !== undefined || req.json === undefined) return { headers: req.headers, body: req.body }
  const headers = !req.headers ? JSON_CONTENT_TYPE : hasContentType(req.headers) ? req.headers : withJsonContentType(req.headers)
  return { headers, body: JSON.stringify(req.json) }
}

/** Shared by every JSON request without headers of its own (undici only reads it). */
const JSON_CONTENT_TYPE: Record<string, string> = Object.freeze({ 'content-type': 'application/json' })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends a request; retries (when asked) only on network errors and 5xx, with exponential backoff. */
export function sendRequest(req: OutboundRequest): Promise<OutboundResponse> {
  // Most calls have no retries: their one attempt is the answer, without a loop around it.
  if (!req.retries) return attempt(req)
  return withRetries(req)
}

async function withRetries(req: OutboundRequest): Promise<OutboundResponse> {
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
    throw new NetworkError(timedOut ? noAnswerWithin(req.connectTimeoutMs) : (err.message ?? String(error)), timedOut ? 'ETIMEDOUT' : (err.code ?? 'ECONNERROR'), timedOut, error)
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
