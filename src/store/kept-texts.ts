import { Buffer } from 'node:buffer'
import { ShardedMap } from './sharded-map.js'

/** Bytes of one slab of kept texts: memory outside the V8 heap (never moved or traced by the GC). */
export const KEPT_SLAB_BYTES = 2 * 1024 * 1024
/** A place is one number: the slab's index times 2^21 (its byte offset within the slab below that), a small integer. */
const OFFSET_BITS = 21
const OFFSET_MASK = (1 << OFFSET_BITS) - 1
/** Slab indexes a place can name (2^31 / 2^21): 2 GiB, well past any bound. */
const MAX_SLABS = 1 << (31 - OFFSET_BITS)
/** Each text is stored after its length (4 bytes, little-endian). */
const LENGTH_BYTES = 4
/** A longer text is not kept (a record that large is rare; it is made each time). */
export const KEPT_TEXT_MAX = 64 * 1024
/** Slabs emptied that are kept to be filled again rather than left to the GC (each fold empties and fills some). */
const SPARE_SLABS = 2

/** Where a kept text's bytes are: `bytes[from, to)`, its UTF-8. Valid until the next call into the same KeptTexts. */
export interface KeptBytes {
  bytes: Buffer
  from: number
  to: number
}

/**
 * The texts (UTF-8 bytes) of records a fold made and keeps for the next one, by key, in 2 MiB
 * slabs outside the V8 heap: the next fold copies them into its write buffer as they are, with no
 * string made, encoded or kept on the heap for them.
 *
 * Bounded: slabs held (their bytes) never pass `maxBytes` for a new text; moving a text (below)
 * may pass it by the slab being filled. A text forgotten (its record changed or removed) leaves a
 * hole in its slab; a slab with no text left is freed (or kept as one of SPARE_SLABS), and when a
 * fold reads a text from a slab less than half full of live texts, the text is moved into the
 * slab being filled, so the slabs held stay under twice the live texts (and the next fold of an
 * unchanged store moves nothing). Folds read texts in the order they were kept (a table's order),
 * so the slabs a fold empties are freed as it goes, and refilled by it.
 */
export class KeptTexts {
  private readonly places = new ShardedMap<number>()
  private readonly slabs: Array<Buffer | undefined> = []
  /** Bytes of live texts (with their lengths) per slab. */
  private readonly liveBytes: number[] = []
  private readonly freeIndexes: number[] = []
  private readonly spare: Buffer[] = []
  private filling = -1
  private used = 0
  /** Bytes of slabs held (spares not counted: SPARE_SLABS at most). */
  heldBytes = 0
  /** Bytes of live texts (with their lengths). */
  liveTotal = 0

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.places.size
  }

  /** Drops `key`'s text, if one is kept. */
  forget(key: string): void {
    const place = this.places.get(key)
    if (place === undefined) return
    this.places.delete(key)
    this.release(place)
  }

  /**
   * Points `out` at `key`'s kept text, moved first into the slab being filled when its own slab is
   * less than half live; false when none is kept.
   */
  read(key: string, out: KeptBytes): boolean {
    const place = this.places.get(key)
    if (place === undefined) return false
    const index = place >>> OFFSET_BITS
    const offset = place & OFFSET_MASK
    const slab = this.slabs[index]!
    const length = slab.readUInt32LE(offset)
    if (index !== this.filling && this.liveBytes[index] * 2 < KEPT_SLAB_BYTES) {
      const moved = this.room(LENGTH_BYTES + length, true)
      if (moved >= 0) {
        const to = this.slabs[this.filling]!
        to.set(slab.subarray(offset, offset + LENGTH_BYTES + length), moved)
        this.used = moved + LENGTH_BYTES + length
        this.places.set(key, (this.filling << OFFSET_BITS) | moved)
        this.liveBytes[this.filling] += LENGTH_BYTES + length
        this.liveTotal += LENGTH_BYTES + length
        this.release(place)
        out.bytes = to
        out.from = moved + LENGTH_BYTES
        out.to = moved + LENGTH_BYTES + length
        return true
      }
    }
    out.bytes = slab
    out.from = offset + LENGTH_BYTES
    out.to = offset + LENGTH_BYTES + length
    return true
  }

  /** Keeps `text` (as UTF-8) as `key`'s and points `out` at it; false when it is not kept (too long, or no room under the bound). */
  keep(key: string, text: string, out: KeptBytes): boolean {
    if (text.length > KEPT_TEXT_MAX) return false
    // Room for the text in UTF-8 whatever it holds (3 bytes per UTF-16 unit at most).
    const at = this.room(LENGTH_BYTES + 3 * text.length, false)
    if (at < 0) return false
    const slab = this.slabs[this.filling]!
    const length = slab.write(text, at + LENGTH_BYTES)
    slab.writeUInt32LE(length, at)
    this.used = at + LENGTH_BYTES + length
    this.places.set(key, (this.filling << OFFSET_BITS) | at)
    this.liveBytes[this.filling] += LENGTH_BYTES + length
    this.liveTotal += LENGTH_BYTES + length
    out.bytes = slab
    out.from = at + LENGTH_BYTES
    out.to = at + LENGTH_BYTES + length
    return true
  }

  /** Where `bytes` more fit in the slab being filled (a new one started if need be), or -1: none may be started (`force`: past the bound too). */
  private room(bytes: number, force: boolean): number {
    if (this.filling >= 0 && this.used + bytes <= KEPT_SLAB_BYTES) return this.used
    if (!force && this.heldBytes + KEPT_SLAB_BYTES > this.maxBytes) return -1
    const index = this.freeIndexes.length > 0 ? this.freeIndexes.pop()! : this.slabs.length
    if (index >= MAX_SLABS) return -1
    const last = this.filling
    this.slabs[index] = this.spare.pop() ?? Buffer.allocUnsafeSlow(KEPT_SLAB_BYTES)
    this.liveBytes[index] = 0
    this.heldBytes += KEPT_SLAB_BYTES
    this.filling = index
    this.used = 0
    // The slab filled until now may hold no live text already.
    if (last >= 0 && this.liveBytes[last] === 0) this.free(last)
    return 0
  }

  private release(place: number): void {
    const index = place >>> OFFSET_BITS
    const slab = this.slabs[index]!
    const bytes = LENGTH_BYTES + slab.readUInt32LE(place & OFFSET_MASK)
    this.liveBytes[index] -= bytes
    this.liveTotal -= bytes
    if (this.liveBytes[index] === 0 && index !== this.filling) this.free(index)
  }

  private free(index: number): void {
    const slab = this.slabs[index]!
    this.slabs[index] = undefined
    this.freeIndexes.push(index)
    this.heldBytes -= KEPT_SLAB_BYTES
    if (this.spare.length < SPARE_SLABS) this.spare.push(slab)
  }
}
