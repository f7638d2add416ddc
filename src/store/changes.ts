import { decode, isCold } from './cold.js'
import type { Collection } from './document.js'
import type { JournalEntry } from './journal.js'
import type { StoreState } from './state.js'

type AnyRecord = Record<string, unknown>

/** Only the fields that changed between two versions of a record (unchanged parts are shared, so `!==` finds them). */
export function changeOf(base: AnyRecord, record: AnyRecord): { p: AnyRecord; u?: string[] } | undefined {
  const p: AnyRecord = {}
  const u: string[] = []
  let changed = false
  for (const field in record) {
    const value = record[field]
    if (value === base[field]) continue
    // JSON has no undefined: a field set to undefined is a field removed.
    if (value === undefined) u.push(field)
    else {
      p[field] = value
      changed = true
    }
  }
  for (const field in base) if (!(field in record) && base[field] !== undefined) u.push(field)
  if (!changed && u.length === 0) return undefined
  return u.length > 0 ? { p, u } : { p }
}

/**
 * Collections whose records, once cold, are journalled whole from their text rather than as a
 * change: an Idempotency-Key's outcome is mostly its stored answer, so the change would be nearly
 * as long as the record (449 against 580 bytes for an STK push's) and would stringify that answer
 * a second time. A payment's final change stays a change: it is a fraction of the record.
 */
const WHOLE_WHEN_COLD = new Set<Collection>(['idempotency'])

interface Touched {
  c: Collection
  key: string
  /** The version the disk holds (or will once the flush before is written); undefined: none. */
  base: AnyRecord | undefined
  latest?: AnyRecord
}

/**
 * Records touched since a point: a Map of keys per collection, so a look-up hashes the record's
 * key (whose hash V8 keeps on the string) instead of a joined "collection + key" string made and
 * hashed on every call; and the entries in the order first touched, the journal's order.
 */
class Touches {
  private readonly byCollection = new Map<Collection, Map<string, Touched>>()
  readonly inOrder: Touched[] = []
  /** Whether one of them is a removal (lists that only removals can change skip the walk otherwise). */
  removals = false

  get(c: Collection, key: string): Touched | undefined {
    return this.byCollection.get(c)?.get(key)
  }

  add(entry: Touched): void {
    let keys = this.byCollection.get(entry.c)
    if (keys === undefined) this.byCollection.set(entry.c, (keys = new Map()))
    keys.set(entry.key, entry)
    this.inOrder.push(entry)
  }

  of(c: Collection): Iterable<Touched> {
    return this.byCollection.get(c)?.values() ?? []
  }
}

/**
 * What changed in memory since the last flush: each record touched, with what the disk holds of
 * it (its version at the last flush, or nothing), so the journal gets new records whole, changes
 * as deltas, deletions by key, and nothing for a record made and removed between two flushes.
 */
export class ChangeSet {
  private touched = new Touches()
  /** What the last take() handed to the flush in progress, until written() says it is on disk. */
  private writing: Touches | undefined
  private meta = false

  /**
   * Whether the record under `key` may differ from what the disk holds: changed (or removed) since
   * the last flush, or in the flush still being written. A record that is not is on disk as it is
   * in memory, and so is the absence of one never stored.
   */
  unwritten(c: Collection, key: string): boolean {
    return this.touched.get(c, key) !== undefined || (this.writing !== undefined && this.writing.get(c, key) !== undefined)
  }

  /** Whether the record under `key` changed since the last take(): no flush holds that change yet. */
  untaken(c: Collection, key: string): boolean {
    return this.touched.get(c, key) !== undefined
  }

  /**
   * Whether no version of the record under `key` is on disk yet, nor acknowledged: it was made
   * since the last flush, or by the flush still being written. (Of a record the flush in progress
   * did not make, the disk holds at least the version that flush started from.)
   */
  unstored(c: Collection, key: string): boolean {
    const inFlush = this.writing?.get(c, key)
    if (inFlush) return inFlush.base === undefined
    const entry = this.touched.get(c, key)
    return entry !== undefined && entry.base === undefined
  }

  /**
   * The records of `c` with a change not written yet (each with the version it changed from), or
   * only those removed: a list also visits them, since a change that took one out of it (a status
   * it filters on, a removal) must be on disk before the list answers without it.
   */
  unwrittenOf(c: Collection, removalsOnly = false): Array<{ key: string; base: AnyRecord | undefined }> {
    if (removalsOnly && !this.touched.removals && !this.writing?.removals) return []
    const found = new Map<string, AnyRecord | undefined>()
    for (const entries of [this.writing, this.touched]) {
      if (!entries) continue
      for (const e of entries.of(c)) {
        if ((!removalsOnly || e.latest === undefined) && !found.has(e.key)) found.set(e.key, e.base)
      }
    }
    return [...found].map(([key, base]) => ({ key, base }))
  }

  /** The flush of the last take() has ended (written, or failed: the store then refuses every read). */
  written(): void {
    this.writing = undefined
  }

  /**
   * Call as a record is stored (`record`: the new version) or removed, with the version it
   * replaces (`replaced`; undefined: none): the first call since the last flush keeps that as its base.
   */
  track(c: Collection, key: string, replaced: AnyRecord | undefined, record?: AnyRecord): void {
    const entry = this.touched.get(c, key)
    if (entry) entry.latest = record
    else this.touched.add({ c, key, base: replaced, latest: record })
    if (record === undefined) this.touched.removals = true
  }

  metaChanged(): void {
    this.meta = true
  }

  /** The journal lines for everything tracked, and a fresh start. */
  take(state: StoreState): JournalEntry[] {
    const entries: JournalEntry[] = []
    if (this.meta) {
      entries.push({ m: state.meta, s: state.nextEventSeq })
      this.meta = false
    }
    for (const { c, key, base, latest } of this.touched.inOrder) {
      const record = state.tables[c].get(key) as AnyRecord | undefined
      if (!record) {
        if (base) entries.push({ c, d: key })
      } else if (!base || isCold(base) || (isCold(record) && WHOLE_WHEN_COLD.has(c))) {
        // Whole: a cold record from its text (nothing stringified again). A change to a record
        // that was cold already is rare (a resend, a late success): whole too, nothing parsed.
        if (base !== record) entries.push({ c, r: record })
      } else {
        // A change: the delta from the hot base to the new version (the object stored, or the one
        // it was made cold from).
        const change = changeOf(base, isCold(record) ? (latest ?? decode(record)) : record)
        if (change) entries.push({ c, k: key, ...change })
      }
    }
    // Kept (not cleared) while the flush writes them: their records are not on disk yet.
    this.writing = this.touched
    this.touched = new Touches()
    return entries
  }
}
