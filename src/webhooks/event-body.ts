import { storedEventText } from '../store/event-texts.js'
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
  const text = storedEventText(e)
  return (text !== undefined && bodyOfStoredText(e, text)) || JSON.stringify(eventBody(e))
}

const ID = '{"id":"'
const SEQ = '","seq":'
const EVENT = ',"event":"'
const CREATED_AT = '","created_at":"'
const DATA = '","data":{'

/**
 * The body cut out of the store's text of the event, `{"id":…,"seq":…,"account_id":…,"mode":…,
 * "event":…,"created_at":…,"data":…}` (JSON.stringify of the event as the store builds it, data
 * last): the same bytes as JSON.stringify of the body, without encoding the data again. Undefined
 * (the body is then made afresh) unless the text has the event's id, type and time, each as it is
 * (nothing escaped), where that layout puts them, and nothing but seq and two plain strings between
 * the id and the type. Only fixed strings are looked for: no pattern is built per call.
 */
function bodyOfStoredText(e: EventRecord, text: string): string | undefined {
  const idEnd = ID.length + e.id.length
  if (!text.startsWith(ID) || !text.startsWith(e.id, ID.length) || !text.startsWith(SEQ, idEnd)) return undefined
  // A JSON string holds no unescaped quote, so the first `,"event":"` past the id is a field's
  // name, the event's own unless an object or array comes first (then this is not the layout above).
  const at = text.indexOf(EVENT, idEnd + SEQ.length)
  if (at < 0) return undefined
  for (let i = idEnd + SEQ.length; i < at; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x7b || c === 0x5b) return undefined
  }
  const type = at + EVENT.length
  const time = type + e.event.length + CREATED_AT.length
  if (!text.startsWith(e.event, type) || !text.startsWith(CREATED_AT, type + e.event.length)) return undefined
  if (!text.startsWith(e.created_at, time) || !text.startsWith(DATA, time + e.created_at.length)) return undefined
  return text.slice(0, idEnd + 1) + text.slice(at)
}
