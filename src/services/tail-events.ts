import type { EventStreamItem } from '../client/event-stream.js'
import type { GatewayClient } from '../client/gateway-client.js'

/** The wire form of an event (webhook body and SSE `data:`). */
export interface StreamedEventBody {
  id: string
  event: string
  created_at: string
  data: Record<string, unknown>
}

export type TailEvent =
  | { type: 'connected'; resumedFrom?: string }
  | { type: 'event'; id: string; event: string; body: StreamedEventBody; raw: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number; reason: string }

export interface TailConfig {
  client: GatewayClient
  /** Only these event types; all when empty. */
  events?: string[]
  /** Resume after this event id. */
  lastEventId?: string
  onEvent: (event: TailEvent) => void | Promise<void>
}

export interface EventTail {
  /** Streams until `signal` aborts or close() is called; throws if the first connection fails. */
  run(signal?: AbortSignal): Promise<void>
  /** Ends run(); safe to call more than once. */
  close(): void
}

/** `mpg tail`: the live event stream, reconnecting with Last-Event-ID, as typed events. */
export function createEventTail(config: TailConfig): EventTail {
  const { client } = config
  const controller = new AbortController()
  return {
    async run(signal) {
      const stop = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal
      for await (const item of client.streamEvents({ signal: stop, lastEventId: config.lastEventId, events: config.events })) {
        const event = toTailEvent(item)
        if (event) await config.onEvent(event)
      }
    },
    close() {
      controller.abort()
    },
  }
}

export function toTailEvent(item: EventStreamItem): TailEvent | undefined {
  if (item.type !== 'event') return item
  let body: StreamedEventBody
  try {
    body = JSON.parse(item.data) as StreamedEventBody
  } catch {
    body = { id: item.id, event: item.event, created_at: new Date().toISOString(), data: {} }
  }
  return { type: 'event', id: item.id, event: item.event, body, raw: item.data }
}
