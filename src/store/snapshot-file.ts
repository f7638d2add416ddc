import { isAscii } from 'node:buffer'
import { open, type FileHandle } from 'node:fs/promises'
import { Low } from 'lowdb'
import { DataFile } from 'lowdb/node'
import { cold, coldOfText, coolable, HEAD_FIELDS, type Cold, type ColdCollection } from './cold.js'
import { emptyDocument, KEY_OF, type Collection, type StoreDocument } from './document.js'
import { StorageError, storageCause } from './errors.js'
import { replaceFileAtomic } from './files.js'
import type { KeptBytes } from './kept-texts.js'

/**
 * The snapshot (`gateway.json`) is one JSON document, laid out one record per line:
 *
 *     {"version":1,"layout":"lines","meta":{…},"next_event_seq":N,
 *     "accounts":[
 *     {…},
 *     {…}
 *     ],
 *     …
 *     "deliveries":[
 *     ]}
 *
 * Any JSON reader reads it whole; the store writes and reads it a line at a time, so a fold never
 * builds (or parses) one string of the whole store, and writes it in small steps between which
 * the event loop runs. A snapshot in the older single-line layout is still read.
 */
const LAYOUT_MARK = '{"version":1,"layout":"lines",'

/**
 * Bytes of JSON per write. Each chunk is one write through the thread pool and its promise: with
 * 64 KiB, those were half of a fold's own CPU once the texts were kept.
 */
const CHUNK_BYTES = 256 * 1024

/**
 * Bytes of JSON put in the buffer between two turns of the event loop (a chunk is filled in
 * several): ~0.25 ms of JSON.stringify for records a fold makes the text of, well under 0.1 ms for
 * those whose text it has (cold ones, and those unchanged since the last fold: Table.texts, copied
 * as bytes). A
 * whole chunk at once held the loop up to ~1 ms; a turn of its own (nextTurn) costs a few µs.
 */
export const SLICE_BYTES = 64 * 1024

/**
 * Resolves once the event loop has gone round (timers, I/O): two setImmediate hops, since the
 * slice after a write runs in the loop's I/O phase, and one hop from there runs in the same
 * iteration's check phase, before any timer or other I/O callback.
 */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)))

/**
 * Bytes of a snapshot written between two syncs of its temp file. On ext4 (data=ordered) a journal
 * fdatasync also waits for the other files' dirty pages its commit takes along: a 60–80 MB
 * snapshot left to one fsync at its end held the journal's fdatasync (every acknowledgment) for
 * 30–70 ms; synced every MiB, 2–4 ms. The fold takes a little longer, off the event loop.
 */
const SYNC_EVERY_BYTES = 1024 * 1024

const collections = () => Object.keys(KEY_OF) as Collection[]

const whatToDo = (file: string) => `Restore ${file} from a backup, or move it aside to start an empty store (every account and key in it is then gone).`

/** Checks that a parsed snapshot is one the gateway wrote; a foreign or damaged one is refused, never replaced. */
function checkSnapshot(file: string, value: unknown): StoreDocument {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
  if (kind !== 'object') throw new StorageError('corrupt', `The store snapshot ${file} is not a gateway store (it holds ${kind}).`, whatToDo(file), { file })
  const doc = value as Record<string, unknown>
  if (doc.version !== 1) throw new StorageError('corrupt', `The store snapshot ${file} is not a gateway store (version ${JSON.stringify(doc.version)}, expected 1).`, whatToDo(file), { file })
  for (const c of collections()) {
    if (doc[c] !== undefined && !Array.isArray(doc[c])) throw new StorageError('corrupt', `The store snapshot ${file} is damaged: "${c}" is not a list.`, whatToDo(file), { file })
  }
  if (doc.meta !== undefined && (doc.meta === null || typeof doc.meta !== 'object')) throw new StorageError('corrupt', `The store snapshot ${file} is damaged: "meta" is not an object.`, whatToDo(file), { file })
  const { layout: _layout, ...rest } = doc
  return { ...emptyDocument(), ...(rest as Partial<StoreDocument>) }
}

/**
 * Parses the line layout a line at a time (never one parse of the whole text), from pieces of
 * whole lines as they are read (linePieces). With `keepCold`, records that are cold (cold.ts) are
 * kept as their line's text and head.
 */
async function parseLines(file: string, source: AsyncIterable<string>, keepCold: boolean, unchecked: Array<Cold<unknown>>): Promise<StoreDocument> {
  const damaged = (line: number, why: string) => new StorageError('corrupt', `The store snapshot ${file} is damaged at line ${line} (${why}).`, whatToDo(file), { file })
  const iterator = source[Symbol.asyncIterator]()
  const head = await iterator.next()
  const first = head.done ? '' : head.value
  let doc: StoreDocument
  try {
    // The header line ends with a comma: closed, it is the document without its collections.
    doc = checkSnapshot(file, JSON.parse(`${first.slice(0, first.indexOf('\n') - 1)}}`))
  } catch (error) {
    if (error instanceof StorageError) throw error
    throw damaged(1, 'not JSON')
  }
  let list: unknown[] | undefined
  let name: Collection | undefined
  /** The current collection's, when its records may be kept cold. */
  let coldName: ColdCollection | undefined
  let line = 1
  for (let text = first, p = 0; ; p++) {
    if (p > 0) {
      const next = await iterator.next()
      if (next.done) break
      text = next.value
    }
    // Walked by index: a line is sliced out only as its record's text (or a collection's name).
    let at = p === 0 ? text.indexOf('\n') : -1
    for (line++; at < text.length - 1; line++) {
      const start = at + 1
      const newline = text.indexOf('\n', start)
      const end = newline < 0 ? text.length : newline
      at = end
      const first = text.charCodeAt(start)
      if (first === 0x22 /* " */) {
        const raw = text.slice(start, end)
        name = raw.slice(1, raw.indexOf('"', 1)) as Collection
        if (!(name in KEY_OF) || !raw.endsWith(':[')) throw damaged(line, 'not a collection')
        list = doc[name] as unknown[]
        coldName = keepCold && name in HEAD_FIELDS ? (name as ColdCollection) : undefined
        continue
      }
      // `],` or `]}`: the end of a collection.
      if (first === 0x5d /* ] */ && end - start === 2 && (text.charCodeAt(start + 1) === 0x2c || text.charCodeAt(start + 1) === 0x7d)) {
        list = undefined
        continue
      }
      if (!list || end === start) throw damaged(line, 'outside a collection')
      const json = text.slice(start, text.charCodeAt(end - 1) === 0x2c /* , */ ? end - 1 : end)
      if (coldName) {
        // A history line in the store's own layout is not parsed now (see cold.ts): it is checked
        // in full after start-up (LowdbEngine.checkCold) and whenever it is read.
        const record = coldOfText(coldName, json, text, start)
        if (record && coolable(coldName, record as unknown as Record<string, unknown>)) {
          unchecked.push(record)
          list.push(record)
          continue
        }
      }
      let record: Record<string, unknown>
      try {
        record = JSON.parse(json)
      } catch {
        throw damaged(line, 'not JSON')
      }
      list.push(coldName && coolable(coldName, record) ? cold(coldName, json, record) : record)
    }
    line--
  }
  return doc
}

/** Bytes of a snapshot decoded into one string (well under V8's longest string, ~512 M characters). */
export const PIECE_BYTES = 32 * 1024 * 1024

/** The file as strings of whole lines (at most `pieceBytes` each, unless one line is longer), one of them starting at `split` (when > 0). */
export function decodePieces(bytes: Buffer, split: number, pieceBytes = PIECE_BYTES): string[] {
  // ASCII (the usual case) decodes as a plain copy (held outside the V8 heap); anything else as UTF-8.
  const encoding = isAscii(bytes) ? 'latin1' : 'utf8'
  const pieces: string[] = []
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.length
    if (split > start) end = split
    if (end - start > pieceBytes) end = bytes.lastIndexOf(0x0a, start + pieceBytes - 1) + 1
    if (end <= start) end = Math.min(bytes.length, split > start ? split : bytes.length)
    pieces.push(bytes.toString(encoding, start, end))
    start = end
  }
  return pieces.length > 0 ? pieces : ['']
}

/**
 * Bytes read at once: the lines of one read are parsed while the next bytes are read into a second
 * buffer. Two buffers of this size (larger only for a longer line) are all the file's bytes ever
 * take: a buffer of the whole file cost as much again as the text kept from it (fresh memory the
 * kernel maps a page at a time, ~230 MB at 48k payments) for bytes that are dropped once decoded.
 */
const READ_BYTES = 4 * 1024 * 1024

const unreadable = (file: string, error: unknown) =>
  new StorageError('unreadable', `Cannot read the store snapshot ${file}: ${storageCause(error)}.`, 'Check the data dir and its permissions, then start again.', { file, cause: error })

/** Reads up to `length` bytes at file position `position` into `bytes` at `offset` (fewer only at the end of the file); resolves with the bytes read. */
async function readAt(file: string, handle: FileHandle, bytes: Buffer, offset: number, length: number, position: number): Promise<number> {
  let read = 0
  try {
    while (read < length) {
      const { bytesRead } = await handle.read(bytes, offset + read, length - read, position + read)
      if (bytesRead === 0) break
      read += bytesRead
    }
  } catch (error) {
    throw unreadable(file, error)
  }
  return read
}

/**
 * The snapshot's text as pieces of whole lines (decodePieces), each given out as soon as it is
 * read while the next READ_BYTES are being read into the other buffer: reading the file and
 * parsing it overlap instead of one waiting for the other. `first` holds the file's first `read`
 * bytes; `size` (the file's length) is updated as it is read. The history collections (from
 * idempotency on) start a piece of their own when `keepCold`: those are kept as strings the cold
 * records' texts are read from (large strings the GC never copies or traces, instead of one string
 * per record; a cold record keeps its piece and where its text is), the rest are strings dropped
 * once parsed. No piece is longer than READ_BYTES (or
 * one line), so the file's size is not bound by V8's longest string.
 */
async function* linePieces(file: string, handle: FileHandle, first: Buffer, read: number, keepCold: boolean, total: { size: number }): AsyncGenerator<string> {
  const HISTORY = '"idempotency":[\n'
  let historyFound = !keepCold
  let current: Buffer = first
  let spare: Buffer = Buffer.allocUnsafe(first.length)
  /** Bytes in `current` (whole lines, then the start of the next one), and where the file goes on. */
  let length = read
  let position = read
  for (;;) {
    const atEnd = position >= total.size
    // Whole lines in `current` (everything, at the end of the file).
    const end = atEnd ? length : length === 0 ? 0 : current.lastIndexOf(0x0a, length - 1) + 1
    if (end === 0 && !atEnd) {
      // One line longer than the buffer: larger buffers, and read on.
      const larger = Buffer.allocUnsafe(current.length * 2)
      current.copy(larger, 0, 0, length)
      current = larger
      spare = Buffer.allocUnsafe(larger.length)
      const got = await readAt(file, handle, current, length, Math.min(current.length - length, total.size - position), position)
      length += got
      position += got
      if (got === 0) total.size = position
      continue
    }
    // The start of the next line goes first in the other buffer, the next bytes after it, read
    // while these lines are parsed.
    const carry = length - end
    current.copy(spare, 0, end, length)
    const ahead = atEnd ? undefined : readAt(file, handle, spare, carry, Math.min(spare.length - carry, total.size - position), position)
    // Awaited below, unless parsing stops first at a damaged line: then its failure is moot.
    ahead?.catch(() => undefined)
    if (end > 0) {
      const region = current.subarray(0, end)
      let split = 0
      if (!historyFound) {
        // A line of its own (JSON escapes every `"` and newline inside a record's line); a region
        // always starts at the start of a line.
        const at = region.indexOf(HISTORY)
        if (at >= 0 && (at === 0 || region[at - 1] === 0x0a)) {
          historyFound = true
          split = at
        }
      }
      // Decoded (copied) whole before the first piece is given out: `current` is reused after.
      yield* decodePieces(region, split)
    }
    if (ahead === undefined) return
    const got = await ahead
    ;[current, spare] = [spare, current]
    length = carry + got
    position += got
    if (got === 0) total.size = position
  }
}

/**
 * Reads the snapshot (the line layout from its bytes, an older single-line one through lowdb's file
 * adapter); a missing file is an empty store. `keepCold`: cold records stay text (for the store
 * itself; tools get plain records).
 */
export async function readSnapshot(file: string, keepCold = false): Promise<{ doc: StoreDocument; bytes: number; unchecked: Array<Cold<unknown>> }> {
  const unchecked: Array<Cold<unknown>> = []
  let handle: FileHandle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { doc: emptyDocument(), bytes: 0, unchecked }
    throw unreadable(file, error)
  }
  try {
    // The line layout (what the store writes) is read a line at a time, from the file's bytes.
    let size: number
    try {
      size = (await handle.stat()).size
    } catch (error) {
      throw unreadable(file, error)
    }
    const bytes = Buffer.allocUnsafe(Math.min(READ_BYTES, size))
    const read = await readAt(file, handle, bytes, 0, bytes.length, 0)
    if (read >= LAYOUT_MARK.length && bytes.toString('latin1', 0, LAYOUT_MARK.length) === LAYOUT_MARK) {
      const total = { size }
      const doc = await parseLines(file, linePieces(file, handle, bytes, read, keepCold, total), keepCold, unchecked)
      return { doc, bytes: total.size, unchecked }
    }
  } finally {
    await handle.close()
  }
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
  return { doc: { ...emptyDocument(), ...db.data }, bytes, unchecked }
}

/** What a fold writes: the store as it was at one journal position. */
export interface SnapshotSource {
  meta: Readonly<Record<string, string>>
  nextEventSeq: number
  /**
   * The collection's records, each as its JSON text, or where the bytes of that text (UTF-8) are
   * (valid until the next call): one per call, undefined after the last.
   */
  cursor(c: Collection): () => string | KeptBytes | undefined
}

/**
 * Writes a snapshot in the line layout and puts it in place atomically (replaceFileAtomic), a
 * buffer at a time: the event loop runs between buffers, and no
 * string longer than one record is ever built. A failure removes the temp file and leaves the old
 * snapshot. Resolves with the bytes written.
 */
export async function writeSnapshot(file: string, source: SnapshotSource): Promise<number> {
  let bytes = 0
  await replaceFileAtomic(file, async (handle) => {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
    let used = 0
    // A full disk can make a write short without an error: write until all of it is written.
    let unsynced = 0
    const writeAll = async (data: Buffer, length: number) => {
      for (let at = 0; at < length; ) at += (await handle.write(data, at, length - at)).bytesWritten
      bytes += length
      unsynced += length
      if (unsynced >= SYNC_EVERY_BYTES) {
        await handle.datasync()
        unsynced = 0
      }
    }
    /** `used` when the event loop last turned (a write awaited, or a turn of its own). */
    let turnedAt = 0
    const flush = async () => {
      await writeAll(buffer, used)
      used = 0
      // A write ends in the loop's I/O phase: the next records are put in from a turn of their own,
      // so that every slice starts the same way (after timers and I/O have had a turn).
      await nextTurn()
      turnedAt = 0
    }
    // A string's bytes in UTF-8 are at most 3 per UTF-16 unit; a Buffer's are its length.
    const most = (data: string | Buffer) => (typeof data === 'string' ? data.length * 3 : data.length)
    const add = async (data: string | Buffer) => {
      if (used + most(data) + 2 > CHUNK_BYTES) await flush()
      if (most(data) > CHUNK_BYTES) {
        const large = typeof data === 'string' ? Buffer.from(data) : data
        await writeAll(large, large.length)
      } else if (typeof data === 'string') used += buffer.write(data, used)
      else {
        buffer.set(data, used)
        used += data.length
      }
    }
    await add(`${LAYOUT_MARK}"meta":${JSON.stringify(source.meta)},"next_event_seq":${source.nextEventSeq},\n`)
    const all = collections()
    for (const [i, c] of all.entries()) {
      await add(`"${c}":[`)
      let first = true
      const next = source.cursor(c)
      for (let text = next(); text !== undefined; text = next()) {
        // A kept text comes as its bytes, copied as they are (no string made or encoded).
        const kept = typeof text === 'string' ? undefined : text
        if (used + (kept ? kept.to - kept.from : most(text as string)) + 2 > CHUNK_BYTES) {
          // Kept bytes are copied out first: they are the cursor's only until its next call, and
          // other code runs while the buffer is written (once per chunk).
          const own = kept ? Buffer.from(kept.bytes.subarray(kept.from, kept.to)) : (text as string)
          await add(first ? '\n' : ',\n')
          await add(own)
        } else {
          // The separator byte by byte: one call into C++ per record (its copy or encoding), not two.
          if (!first) buffer[used++] = 0x2c // ,
          buffer[used++] = 0x0a // \n
          if (kept) {
            buffer.set(kept.bytes.subarray(kept.from, kept.to), used)
            used += kept.to - kept.from
          } else used += buffer.write(text as string, used)
          if (used - turnedAt >= SLICE_BYTES) {
            await nextTurn()
            turnedAt = used
          }
        }
        first = false
      }
      await add(i === all.length - 1 ? '\n]}\n' : '\n],\n')
    }
    await flush()
  })
  return bytes
}
