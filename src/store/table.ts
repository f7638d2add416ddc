import { Buffer } from 'node:buffer'
import { KeptTexts, type KeptBytes } from './kept-texts.js'

/** Marks a key that had no record when a fold's view was taken. */
const ABSENT = Symbol('absent')

/**
 * Bytes of slabs of kept texts (Table.texts, outside the V8 heap) per table at most: the texts of
 * ~200,000 pending payments (~0.65 KB each, on top of the record). Past it a fold makes the
 * others' texts each time, as it did before texts were kept; memory stays bounded whatever
 * number of records stays unchanged and not cold (a store of only pending payments).
 */
export const MAX_KEPT_BYTES = 128 * 1024 * 1024

/** What a view's cursor gives per record: its text, or where its kept text's bytes are (valid until the next call). */
export type RecordText = string | KeptBytes

/**
 * One collection of immutable records by key, in insertion order (Map order: replacing a record
 * keeps its place). A fold writes the snapshot in small steps while writes go on; `view()` gives
 * it the collection exactly as it was when the view was taken, at the cost of remembering the old
 * record of each key changed since (copy-on-write), never by copying the collection. While a view
 * is open, deletions only hide their keys (the view's iteration then meets every key once) and are
 * carried out when it closes.
 */
export class Table<T> {
  private readonly records = new Map<string, T>()
  /** While a view is open: each key changed since, with its record at the view's start (ABSENT: none). */
  private before: Map<string, T | typeof ABSENT> | undefined
  /** While a view is open: keys deleted since (still in `records`). */
  private hidden = new Set<string>()
  /**
   * A key's record as text (its JSON's bytes), made by a fold and kept for the next one while the
   * record is unchanged: a fold then encodes only what changed since the last one, not every record
   * that is not text already (every pending payment, each time), and copies the rest as bytes.
   */
  private readonly texts: KeptTexts

  constructor(maxKeptBytes = MAX_KEPT_BYTES) {
    this.texts = new KeptTexts(maxKeptBytes)
  }

  get size(): number {
    return this.records.size - this.hidden.size
  }

  get(key: string): T | undefined {
    // `hidden` is empty but while a fold's view is open: one look-up in the common case, not two.
    return this.hidden.size === 0 || !this.hidden.has(key) ? this.records.get(key) : undefined
  }

  has(key: string): boolean {
    return this.records.has(key) && (this.hidden.size === 0 || !this.hidden.has(key))
  }

  /**
   * Stores a record under its key, answering the record replaced (undefined: none). A text is kept
   * only for a record stored, so a new key has none to forget: no look-up of it in `texts` (every
   * insert's).
   */
  put(key: string, record: T): T | undefined {
    const old = this.get(key)
    if (this.before) this.remember(key)
    if (this.hidden.size > 0) this.hidden.delete(key)
    this.records.set(key, record)
    if (old !== undefined && this.texts.size > 0) this.forgetText(key)
    return old
  }

  /** Stores a record under a key known to be new, with no view open (a store being opened). */
  load(key: string, record: T): void {
    this.records.set(key, record)
  }

  delete(key: string): boolean {
    if (!this.has(key)) return false
    this.remember(key)
    if (this.texts.size > 0) this.forgetText(key)
    if (this.before) this.hidden.add(key)
    else this.records.delete(key)
    return true
  }

  /** Oldest first (insertion order). */
  *values(): Generator<T> {
    if (this.hidden.size === 0) {
      yield* this.records.values()
      return
    }
    for (const [key, record] of this.records) if (!this.hidden.has(key)) yield record
  }

  private forgetText(key: string): void {
    this.texts.forget(key)
  }

  /** Bytes of slabs the kept texts hold (outside the V8 heap). */
  get keptBytes(): number {
    return this.texts.heldBytes
  }

  private remember(key: string): void {
    if (this.before && !this.before.has(key)) this.before.set(key, this.has(key) ? this.records.get(key)! : ABSENT)
  }

  /**
   * Opens a view of the collection as it is now; iterate it (lazily, at any pace), then close it.
   * One view at a time.
   */
  view(): { cursor(text: (record: T) => string, keep: (record: T) => boolean): () => RecordText | undefined; close(): void } {
    if (this.before) throw new Error('a view of this table is already open')
    const before = new Map<string, T | typeof ABSENT>()
    this.before = before
    const live = this.records
    const texts = this.texts
    /**
     * The view's records as text, one per call (undefined once all are given): a kept text as
     * where its bytes are (the same object each call, valid until the next), else `text(record)`,
     * which is kept (for later views, and given as its bytes) while the record is unchanged when
     * `keep(record)` (not for one that is text already) and the bound allows. A plain function
     * rather than a generator: a fold calls it for every record of the store (~300,000 at 48k
     * payments), and the generators' result objects and Map entries were nearly all a fold
     * allocated (~55 MB at 48k: a young-generation GC every ~250 ms of the fold).
     */
    const cursor = (text: (record: T) => string, keep: (record: T) => boolean) => {
      const keys = live.keys()
      const out: KeptBytes = { bytes: Buffer.alloc(0), from: 0, to: 0 }
      return (): RecordText | undefined => {
        for (;;) {
          const next = keys.next()
          if (next.done) return undefined
          const key = next.value
          if (before.size > 0 && before.has(key)) {
            // Changed since the view opened: its older version, made each time (rare: a change during a fold).
            const old = before.get(key)!
            if (old === ABSENT) continue
            return text(old)
          }
          if (texts.size > 0 && texts.read(key, out)) return out
          const record = live.get(key)!
          const made = text(record)
          return keep(record) && texts.keep(key, made, out) ? out : made
        }
      }
    }
    return {
      cursor,
      close: () => {
        if (this.before !== before) return
        this.before = undefined
        for (const key of this.hidden) this.records.delete(key)
        this.hidden.clear()
      },
    }
  }
}
