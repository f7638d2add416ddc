import { jsonOf, type Cold } from './cold.js'
import type { EventRecord } from './records.js'

/**
 * The JSON text the embedded store made of each event it stored (the text it keeps and journals),
 * by the event object it handed out, for as long as that object lives: a webhook body or SSE frame
 * of the event is that text less three fields (webhooks/event-body.ts) instead of a second
 * JSON.stringify of the whole event (~5 µs for a payment's, two per payment with an endpoint).
 * What is kept is the event's cold record, whose text sits in a slab outside the V8 heap
 * (text-slab.ts): events a delivery backlog holds keep no second copy of their text on the heap.
 */
const texts = new WeakMap<EventRecord, Cold<unknown>>()

/** Called by the store with the cold record it made of `event` (from JSON.stringify of the event itself). */
export function keepEventText(event: EventRecord, stored: Cold<unknown>): void {
  texts.set(event, stored)
}

/** The store's text of this very event object, if it made one (not of an event read back, nor PostgreSQL's). */
export function storedEventText(event: EventRecord): string | undefined {
  const stored = texts.get(event)
  return stored === undefined ? undefined : jsonOf(stored)
}
