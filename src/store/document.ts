import { Low } from 'lowdb'
import { DataFile } from 'lowdb/node'
import { StorageError, storageCause } from './errors.js'
import { readJournal, type JournalContents, type JournalEntry } from './journal.js'
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

const whatToDo = (file: string) => `Restore ${file} from a backup, or move it aside to start an empty store (every account and key in it is then gone).`

/** Checks that a parsed snapshot is one the gateway wrote; a foreign or damaged one is refused, never replaced. */
function checkSnapshot(file: string, value: unknown): StoreDocument {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
  if (kind !== 'object') throw new StorageError('corrupt', `The store snapshot ${file} is not a gateway store (it holds ${kind}).`, whatToDo(file), { file })
  const doc = value as Record<string, unknown>
  if (doc.version !== 1) throw new StorageError('corrupt', `The store snapshot ${file} is not a gateway store (version ${JSON.stringify(doc.version)}, expected 1).`, whatToDo(file), { file })
  for (const c of Object.keys(KEY_OF)) {
    if (doc[c] !== undefined && !Array.isArray(doc[c])) throw new StorageError('corrupt', `The store snapshot ${file} is damaged: "${c}" is not a list.`, whatToDo(file), { file })
  }
  if (doc.meta !== undefined && (doc.meta === null || typeof doc.meta !== 'object')) throw new StorageError('corrupt', `The store snapshot ${file} is damaged: "meta" is not an object.`, whatToDo(file), { file })
  return { ...emptyDocument(), ...(doc as Partial<StoreDocument>) }
}

/** Reads the snapshot through lowdb's file adapter; a missing file is an empty store. */
export async function readSnapshot(file: string): Promise<{ doc: StoreDocument; bytes: number }> {
  let bytes = 0
  const adapter = new DataFile<StoreDocument>(file, {
    parse: (text) => {
      bytes = Buffer.byteLength(text)
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        throw new StorageError('corrupt', `The store snapshot ${file} is not valid JSON (${(error as Error).message}).`, whatToDo(file), { file })
      }
      return checkSnapshot(file, value)
    },
    stringify: (data) => JSON.stringify(data),
  })
  const db = new Low(adapter, emptyDocument())
  try {
    await db.read()
  } catch (error) {
    if (error instanceof StorageError) throw error
    throw new StorageError('unreadable', `Cannot read the store snapshot ${file}: ${storageCause(error)}.`, 'Check the data dir and its permissions, then start again.', { file, cause: error })
  }
  return { doc: { ...emptyDocument(), ...db.data }, bytes }
}

/** Applies journal entries over a snapshot, in order (upserts by key, deletions). */
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
 * the store opens them, but without changing anything on disk (for tools and tests).
 */
export async function loadDocument(file: string): Promise<{ doc: StoreDocument; snapshotBytes: number; journal: JournalContents }> {
  const { doc, bytes } = await readSnapshot(file)
  const journal = await readJournal(journalFileOf(file))
  applyJournal(doc, journal.entries)
  return { doc, snapshotBytes: bytes, journal }
}
