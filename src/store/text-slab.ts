import { Buffer } from 'node:buffer'

/**
 * Bytes of one slab. Node decodes a latin1 range of a Buffer of about 1 MB or more into a string
 * held outside the V8 heap (an external string: the GC marks it as one leaf and never copies its
 * characters); 2 MiB keeps every slab sealed full past that size, whatever text did not fit.
 */
export const SLAB_BYTES = 2 * 1024 * 1024
/** A longer text keeps its own string (a record that large is rare, and would fill a slab alone). */
export const SLAB_TEXT_MAX = 64 * 1024

/**
 * Texts of records kept as text (cold.ts) that the running store makes one by one (JSON.stringify
 * of each event, finished delivery, payment and Idempotency-Key), gathered into large strings held
 * outside the V8 heap. Each such text was a string of its own on the heap (two objects: V8 builds a
 * long JSON.stringify result as a cons string and flattens it later), copied by two scavenges on its
 * way to the old generation and then by each compaction of its page, and the bulk of what a major GC
 * of a long run had to get through (bench/README.md, "Texts in slabs").
 *
 * A text is copied into the slab being filled (a Buffer) and its holder is moved onto that at once
 * (`moveTo(holder, buffer, start)`), so its own string dies young; once the slab is full it becomes
 * one string outside the heap, every holder is moved onto that (`moveTo(holder, string, start)`), and
 * the Buffer is filled again. Only ASCII texts (the usual JSON of the store: latin1 bytes read back
 * as the same characters): any other keeps its own string, as does one longer than SLAB_TEXT_MAX.
 */
export class TextSlab<H> {
  private bytes: Buffer | undefined
  private used = 0
  private holders: H[] = []
  private starts: number[] = []

  constructor(private readonly moveTo: (holder: H, raw: string | Buffer, from: number) => void) {}

  add(text: string, holder: H): void {
    if (text.length > SLAB_TEXT_MAX) return
    // Room for the text in UTF-8 whatever it holds (3 bytes per UTF-16 unit at most), so one write
    // tells ASCII from the rest: only ASCII takes exactly as many bytes as characters.
    if (this.used + 3 * text.length > SLAB_BYTES) this.seal()
    // Allocated on first use: a process that keeps no record as text (the CLI) holds no slab.
    this.bytes ??= Buffer.allocUnsafeSlow(SLAB_BYTES)
    if (this.bytes.write(text, this.used, 3 * text.length, 'utf8') !== text.length) return
    this.holders.push(holder)
    this.starts.push(this.used)
    this.moveTo(holder, this.bytes, this.used)
    this.used += text.length
  }

  /** The slab as one string outside the heap (Node copies the bytes), its holders moved onto it. */
  private seal(): void {
    const whole = this.bytes!.toString('latin1', 0, this.used)
    const { holders, starts } = this
    for (let i = 0; i < holders.length; i++) this.moveTo(holders[i], whole, starts[i])
    this.holders = []
    this.starts = []
    this.used = 0
  }
}
