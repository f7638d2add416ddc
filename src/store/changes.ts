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
 * What changed in memory since the last flush: each record touched, with what the disk holds of
 * it (its version at the last flush, or nothing), so the journal gets new records whole, changes
 * as deltas, deletions by key, and nothing for a record made and removed between two flushes.
 */
export class ChangeSet {
  private readonly touched = new Map<string, { c: Collection; key: string; base: AnyRecord | undefined }>()
  private meta = false

  /** Call before a record is stored or removed (the first call since the last flush keeps its base). */
  track(state: StoreState, c: Collection, key: string): void {
    const id = `${c}\u0000${key}`
    if (!this.touched.has(id)) this.touched.set(id, { c, key, base: state.tables[c].get(key) as AnyRecord | undefined })
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
    for (const { c, key, base } of this.touched.values()) {
      const record = state.tables[c].get(key) as AnyRecord | undefined
      if (!record) {
        if (base) entries.push({ c, d: key })
      } else if (!base || isCold(record)) {
        // A cold record is written whole from its text (no delta to compute, nothing parsed).
        if (base !== record) entries.push({ c, r: record })
      } else {
        const change = changeOf(decode(base), record)
        if (change) entries.push({ c, k: key, ...change })
      }
    }
    this.touched.clear()
    return entries
  }
}
