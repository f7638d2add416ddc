import { Low } from 'lowdb'
import { DataFile } from 'lowdb/node'
import { emptyDocument, KEY_OF, type Collection, type StoreDocument } from './document.js'
import { StorageError, storageCause } from './errors.js'
import { replaceFileAtomic } from './files.js'

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

/** Bytes of JSON written between two turns of the event loop (well under 1 ms of JSON.stringify). */
const CHUNK_BYTES = 64 * 1024

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

/** Parses the line layout a line at a time (never one parse of the whole text). */
function parseLines(file: string, text: string): StoreDocument {
  const damaged = (line: number, why: string) => new StorageError('corrupt', `The store snapshot ${file} is damaged at line ${line} (${why}).`, whatToDo(file), { file })
  let at = text.indexOf('\n')
  const header = text.slice(0, at)
  let doc: StoreDocument
  try {
    doc = checkSnapshot(file, JSON.parse(`${header.slice(0, -1)}}`))
  } catch (error) {
    if (error instanceof StorageError) throw error
    throw damaged(1, 'not JSON')
  }
  let list: unknown[] | undefined
  for (let line = 2; at < text.length - 1; line++) {
    const end = text.indexOf('\n', at + 1)
    const raw = text.slice(at + 1, end < 0 ? text.length : end)
    at = end < 0 ? text.length : end
    if (raw.startsWith('"')) {
      const name = raw.slice(1, raw.indexOf('"', 1)) as Collection
      if (!(name in KEY_OF) || !raw.endsWith(':[')) throw damaged(line, 'not a collection')
      list = doc[name] as unknown[]
      continue
    }
    if (raw === '],' || raw === ']}') {
      list = undefined
      continue
    }
    if (!list || raw === '') throw damaged(line, 'outside a collection')
    try {
      list.push(JSON.parse(raw.endsWith(',') ? raw.slice(0, -1) : raw))
    } catch {
      throw damaged(line, 'not JSON')
    }
  }
  return doc
}

/** Reads the snapshot through lowdb's file adapter; a missing file is an empty store. */
export async function readSnapshot(file: string): Promise<{ doc: StoreDocument; bytes: number }> {
  let bytes = 0
  const adapter = new DataFile<StoreDocument>(file, {
    parse: (text) => {
      bytes = Buffer.byteLength(text)
      if (text.startsWith(LAYOUT_MARK)) return parseLines(file, text)
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

/** What a fold writes: the store as it was at one journal position. */
export interface SnapshotSource {
  meta: Readonly<Record<string, string>>
  nextEventSeq: number
  records(c: Collection): Iterable<unknown>
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
    const writeAll = async (data: Buffer, length: number) => {
      for (let at = 0; at < length; ) at += (await handle.write(data, at, length - at)).bytesWritten
      bytes += length
    }
    const flush = async () => {
      await writeAll(buffer, used)
      used = 0
    }
    const add = async (text: string) => {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (used + text.length * 3 > CHUNK_BYTES) await flush()
      if (text.length * 3 > CHUNK_BYTES) {
        const large = Buffer.from(text)
        await writeAll(large, large.length)
      } else used += buffer.write(text, used)
    }
    await add(`${LAYOUT_MARK}"meta":${JSON.stringify(source.meta)},"next_event_seq":${source.nextEventSeq},\n`)
    const all = collections()
    for (const [i, c] of all.entries()) {
      await add(`"${c}":[`)
      let first = true
      for (const record of source.records(c)) {
        await add(`${first ? '\n' : ',\n'}${JSON.stringify(record)}`)
        first = false
      }
      await add(i === all.length - 1 ? '\n]}\n' : '\n],\n')
    }
    await flush()
  })
  return bytes
}
