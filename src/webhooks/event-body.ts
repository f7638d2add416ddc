import type { EventRecord } from '../store/records.js'

export interface EventBody {
  id: string
  event: EventRecord['event']
  created_at: string
  data: Record<string, unknown>
}

/** The wire form of an event, the same for webhook bodies and the SSE stream. */
export function eventBody(e: EventRecord): EventBody {
  return { id: e.id, event: e.event, created_at: e.created_at, data: e.data }
}

/** The exact bytes that are signed and sent. */
export function serializeEvent(e: EventRecord): string {
  return JSON.stringify(eventBody(e))
}
