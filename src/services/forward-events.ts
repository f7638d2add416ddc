import type { GatewayClient } from '../client/gateway-client.js'
import { NetworkError, sendRequest } from '../http/request.js'
import { signatureHeaders } from '../webhooks/signature.js'
import { toTailEvent, type StreamedEventBody } from './tail-events.js'

export type ForwardEvent =
  | { type: 'connected'; resumedFrom?: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number; reason: string }
  /** The local server answered (any status). */
  | { type: 'forwarded'; id: string; event: string; body: StreamedEventBody; status: number; durationMs: number; response: string }
  /** The local server did not answer (down, refused, timed out). */
  | { type: 'forward_failed'; id: string; event: string; body: StreamedEventBody; error: string; durationMs: number }

export interface ForwarderConfig {
  client: GatewayClient
  /** Local URL the events are POSTed to. */
  forwardTo: string
  /** Secret both signature header sets are computed with. */
  secret: string
  events?: string[]
  timeoutMs?: number
  onEvent: (event: ForwardEvent) => void | Promise<void>
}

export interface EventForwarder {
  run(signal?: AbortSignal): Promise<void>
  close(): void
}

/** Largest response body kept for --print-response. */
const RESPONSE_BYTES = 4096

/**
 * `mpg listen`: follows the event stream and POSTs each event to a local URL, in order, as a webhook
 * would be delivered: the raw body byte-for-byte, `X-Mpesa-Gateway-Signature`/`-Event` and the
 * Standard Webhooks headers signed with `secret`. A local server that is down is reported per
 * event; the forwarder keeps running.
 */
export function createEventForwarder(config: ForwarderConfig): EventForwarder {
  const { client } = config
  const controller = new AbortController()
  return {
    async run(signal) {
      const stop = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal
      for await (const item of client.streamEvents({ signal: stop, events: config.events })) {
        const event = toTailEvent(item)
        if (!event) continue
        if (event.type !== 'event') {
          await config.onEvent(event)
          continue
        }
        await config.onEvent(await forward(config, event.id, event.event, event.body, event.raw, stop))
        if (stop.aborted) return
      }
    },
    close() {
      controller.abort()
    },
  }
}

async function forward(config: ForwarderConfig, id: string, type: string, body: StreamedEventBody, raw: string, signal: AbortSignal): Promise<ForwardEvent> {
  const started = performance.now()
  try {
    const res = await sendRequest({
      method: 'POST',
      url: config.forwardTo,
      body: raw,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'mpg-listen/1',
        ...signatureHeaders(config.secret, { id, timestamp: Math.floor(Date.now() / 1000), rawBody: raw, event: type }),
      },
      timeoutMs: config.timeoutMs ?? 10_000,
      maxBodyBytes: RESPONSE_BYTES,
      signal,
    })
    return { type: 'forwarded', id, event: type, body, status: res.status, durationMs: Math.round(res.durationMs), response: res.body }
  } catch (error) {
    const message = error instanceof NetworkError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)
    return { type: 'forward_failed', id, event: type, body, error: message, durationMs: Math.round(performance.now() - started) }
  }
}
