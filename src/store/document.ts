import { decode, type Cold } from './cold.js'
import { readJournal, readRotatedJournal, rotatedJournals, type JournalContents, type JournalEntry } from './journal.js'
import { readSnapshot } from './snapshot-file.js'
import type {
  AccountRecord,
  ApiKeyRecord,
  DeliveryRecord,
  EventRecord,
  IdempotencyRecord,
  TransactionRecord,
  WebhookEndpointRecord,
} from './records.js'

/** The whole embedded store: what the snapshot holds, and what snapshot + journal replay to. */
export interface StoreDocument {
  version: 1
  meta: Record<string, string>
  next_event_seq: number
  accounts: AccountRecord[]
  api_keys: ApiKeyRecord[]
  transactions: TransactionRecord[]
  idempotency: IdempotencyRecord[]
  events: EventRecord[]
  webhook_endpoints: WebhookEndpointRecord[]
  deliveries: DeliveryRecord[]
}

export type Collection = 'accounts' | 'api_keys' | 'transactions' | 'idempotency' | 'events' | 'webhook_endpoints' | 'deliveries'

/** The key of each collection's records, for journal upserts and deletions. */
export const KEY_OF: Record<Collection, string> = {
  accounts: 'id',
  api_keys: 'id',
  transactions: 'id',
  idempotency: 'scope',
  events: 'id',
  webhook_endpoints: 'id',
  deliveries: 'id',
}

export const emptyDocument = (): StoreDocument => ({
  version: 1,
  meta: {},
  next_event_seq: 1,
  accounts: [],
  api_keys: [],
  transactions: [],
  idempotency: [],
  events: [],
  webhook_endpoints: [],
  deliveries: [],
})

/** `gateway.json` → `gateway.journal` */
export function journalFileOf(file: string): string {
  return `${file.replace(/\.json$/, '')}.journal`
}

/** Applies journal entries over a snapshot, in order (new records, changes, deletions by key). */
export function applyJournal(doc: StoreDocument, entries: JournalEntry[]): void {
  if (entries.length === 0) return
  const positions = new Map<Collection, Map<string, number>>()
  const positionsOf = (c: Collection) => {
    let map = positions.get(c)
    if (!map) {
      map = new Map((doc[c] as unknown as Array<Record<string, unknown>>).map((r, i) => [String(r[KEY_OF[c]]), i]))
      positions.set(c, map)
    }
    return map
  }
  const removed = new Set<Collection>()
  for (const entry of entries) {
    if ('m' in entry) {
      doc.meta = entry.m
      doc.next_event_seq = Math.max(doc.next_event_seq, entry.s)
      continue
    }
    const c = entry.c as Collection
    if (!(c in KEY_OF)) continue
    const list = doc[c] as unknown as Array<Record<string, unknown> | null>
    const at = positionsOf(c)
    if ('d' in entry) {
      const i = at.get(entry.d)
      if (i !== undefined) {
        list[i] = null
        at.delete(entry.d)
        removed.add(c)
      }
      continue
    }
    if ('k' in entry) {
      // A change: only the fields that changed (a change to a record no longer there is moot).
      const i = at.get(entry.k)
      if (i === undefined) continue
      const changed: Record<string, unknown> = { ...decode(list[i]), ...entry.p }
      for (const field of entry.u ?? []) delete changed[field]
      list[i] = changed
      continue
    }
    const key = String(entry.r[KEY_OF[c]])
    const i = at.get(key)
    if (i !== undefined) list[i] = entry.r
    else {
      at.set(key, list.length)
      list.push(entry.r)
    }
  }
  for (const c of removed) (doc[c] as unknown[]) = (doc[c] as unknown[]).filter((r) => r !== null)
  for (const e of doc.events) doc.next_event_seq = Math.max(doc.next_event_seq, e.seq + 1)
}

/**
 * The one reader of a store's files: the snapshot with the journal replayed over it, exactly as
 * the store opens them, but without changing anything on disk (for tools and tests). `keepCold`
 * (the store itself): cold records stay text (cold.ts); otherwise every record is parsed.
 */
export async function loadDocument(
  file: string,
  { keepCold = false } = {},
): Promise<{ doc: StoreDocument; snapshotBytes: number; rotatedBytes: number; journal: JournalContents; unchecked: Array<Cold<unknown>> }> {
  const { doc, bytes, unchecked } = await readSnapshot(file, keepCold)
  let rotatedBytes = 0
  // Rotated journals (a fold a crash or a failure interrupted) come before the current one.
  for (const rotated of await rotatedJournals(journalFileOf(file))) {
    const contents = await readRotatedJournal(rotated, keepCold)
    applyJournal(doc, contents.entries)
    rotatedBytes += contents.goodBytes
  }
  const journal = await readJournal(journalFileOf(file), keepCold)
  applyJournal(doc, journal.entries)
  return { doc, snapshotBytes: bytes, rotatedBytes, journal, unchecked }
}
