import { createParser } from 'eventsource-parser'
import { MpgError } from '../errors.js'
import { NetworkError, openStream } from '../http/request.js'
import { gatewayApiError, type GatewayApiError } from './errors.js'

/** One Server-Sent Events message, as the WHATWG parsing rules define it. */
export interface SseMessage {
  /** The `id:` field of this message, if it had one. */
  id?: string
  /** The `event:` field; "message" when absent. */
  event: string
  /** The `data:` lines joined with "\n", exactly as sent (for the gateway: the webhook body bytes). */
  data: string
}

/**
 * Parses an SSE byte stream with `eventsource-parser`. UTF-8 is decoded across chunk boundaries
 * (a BOM dropped), lines may end in CRLF, LF or CR, comments (heartbeats) are skipped, a message
 * without data is not dispatched and a last message without its blank line is dropped.
 * `onRetry` gets a `retry:` field at once, whether or not its block carries data.
 */
export async function* parseSse(chunks: AsyncIterable<Uint8Array>, options: { onRetry?: (ms: number) => void } = {}): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder('utf-8')
  const ready: SseMessage[] = []
  const parser = createParser({
    onEvent: (m) => ready.push({ ...(m.id !== undefined ? { id: m.id } : {}), event: m.event ?? 'message', data: m.data }),
    onRetry: (ms) => options.onRetry?.(ms),
  })
  let endsWithCr = false
  const feed = (text: string) => {
    if (text.length === 0) return
    parser.feed(text)
    endsWithCr = text.endsWith('\r')
  }
  for await (const chunk of chunks) {
    feed(decoder.decode(chunk, { stream: true }))
    yield* ready.splice(0)
  }
  feed(decoder.decode())
  // The parser holds a final CR back in case an LF follows; at the end of the stream it ends the line.
  if (endsWithCr) parser.feed('\n')
  yield* ready.splice(0)
}

/** What `GatewayClient.streamEvents()` yields. */
export type EventStreamItem =
  /** The stream is open (again); `resumedFrom` is the Last-Event-ID sent, if any. */
  | { type: 'connected'; resumedFrom?: string }
  /** An event; `data` is the raw JSON body, byte-for-byte what a webhook would carry. */
  | { type: 'event'; id: string; event: string; data: string }
  /** The stream dropped; the next attempt starts after `delayMs`. */
  | { type: 'reconnecting'; attempt: number; delayMs: number; reason: string }

export interface EventStreamOptions {
  /** Resume after this event id (sent as `Last-Event-ID`). */
  lastEventId?: string
  /** Only these event types (the gateway filters; empty or absent means all). */
  events?: string[]
  /** Ends the stream cleanly. */
  signal?: AbortSignal
  /** Treat the connection as dead after this long without a byte (heartbeats count). Default 45 s. */
  idleTimeoutMs?: number
  /** First reconnect delay, doubled per failed attempt up to `maxReconnectDelayMs`. Default 500 ms. */
  reconnectDelayMs?: number
  maxReconnectDelayMs?: number
  connectTimeoutMs?: number
}

export const EVENT_STREAM_PATH = '/api/v1/events/stream'

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

async function readAll(body: AsyncIterable<Uint8Array>, max = 64 * 1024): Promise<string> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    parts.push(Buffer.from(chunk))
    size += chunk.byteLength
    if (size > max) break
  }
  return Buffer.concat(parts).toString('utf8')
}

function streamEndError(data: string): GatewayApiError {
  return gatewayApiError(401, data, { error: 'The gateway ended the event stream', hint: 'Check the API key and reconnect.', detail: '' })
}

/**
 * The gateway's live event stream as an async iterator, reconnecting with `Last-Event-ID` when it
 * drops. The first connection's failure is thrown (the gateway is down, the key is refused, the
 * route is missing); once connected, drops and 5xx answers are retried with backoff until `signal`
 * aborts. Auth and 4xx answers are always thrown.
 */
export async function* streamGatewayEvents(target: { baseUrl: string; apiKey: string }, options: EventStreamOptions = {}): AsyncGenerator<EventStreamItem> {
  const { signal } = options
  const initialDelay = options.reconnectDelayMs ?? 500
  const maxDelay = options.maxReconnectDelayMs ?? 10_000
  let lastEventId = options.lastEventId
  let retryMs = initialDelay
  let delay = initialDelay
  let everConnected = false
  let attempt = 0

  while (!signal?.aborted) {
    let reason: string
    try {
      const stream = await openStream({
        url: `${target.baseUrl}${EVENT_STREAM_PATH}${options.events?.length ? `?events=${encodeURIComponent(options.events.join(','))}` : ''}`,
        headers: {
          authorization: `Bearer ${target.apiKey}`,
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
        connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
        idleTimeoutMs: options.idleTimeoutMs ?? 45_000,
        signal,
      })
      if (stream.status !== 200) {
        const text = await readAll(stream.body).catch(() => '')
        stream.close()
        const error = gatewayApiError(stream.status, text, {
          error: `HTTP ${stream.status} from the event stream`,
          hint: 'Check that --base-url points at an mpesa-gateway with the event stream.',
          detail: '',
        })
        if (stream.status < 500 || !everConnected) throw error
        reason = `HTTP ${stream.status}`
      } else {
        const contentType = stream.headers['content-type'] ?? ''
        if (!contentType.startsWith('text/event-stream')) {
          stream.close()
          throw new MpgError('upstream', `${target.baseUrl}${EVENT_STREAM_PATH} did not answer with an event stream (content-type ${contentType || 'none'}).`, {
            suggestion: 'Check that --base-url points at an mpesa-gateway of the same version.',
          })
        }
        everConnected = true
        attempt = 0
        delay = retryMs
        yield { type: 'connected', ...(lastEventId ? { resumedFrom: lastEventId } : {}) }
        try {
          const onRetry = (ms: number) => {
            retryMs = ms
            delay = ms
          }
          for await (const message of parseSse(stream.body, { onRetry })) {
            if (message.id !== undefined) lastEventId = message.id
            if (message.id === undefined) {
              // The gateway ended the stream for a reason (revoked key, deleted account): reconnecting would not help.
              if (message.event === 'error') throw streamEndError(message.data)
              continue
            }
            yield { type: 'event', id: message.id, event: message.event, data: message.data }
          }
        } finally {
          stream.close()
        }
        if (signal?.aborted) return
        reason = 'the gateway closed the stream'
      }
    } catch (error) {
      if (signal?.aborted) return
      if (!(error instanceof NetworkError)) throw error
      if (!everConnected) {
        throw new MpgError('unreachable', `The gateway at ${target.baseUrl} did not answer (${error.message}).`, {
          suggestion: 'Start the gateway with `mpg serve`, or point --base-url / MPG_BASE_URL at it.',
          cause: error,
        })
      }
      reason = error.message
    }
    attempt++
    yield { type: 'reconnecting', attempt, delayMs: delay, reason }
    await sleep(delay, signal)
    delay = Math.min(delay * 2, maxDelay)
  }
}
