import { constants } from 'node:fs'
import { open, readdir, readFile, rename, statfs, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { cold, coolable, HEAD_FIELDS, jsonOf } from './cold.js'
import { StorageError, storageCause } from './errors.js'
import { PRIVATE_FILE_MODE, keepPrivate, syncDir, writeNewPrivateFile } from './files.js'
import { removeGradually } from './remove-gradually.js'

/**
 * An append-only log of record upserts and deletions beside the snapshot. Appending the few
 * records a request changed costs microseconds whatever the store's size, where rewriting the
 * whole JSON file costs ~40 ms at 10k transactions. The snapshot is rewritten (compacted) only
 * once the log has grown half as large as the snapshot, so that cost is paid rarely.
 *
 * Lines are JSON: `{"c":collection,"r":record}` (a new record, whole), `{"c":collection,"k":key,
 * "p":{changed fields},"u":[removed fields]}` (a change: only what changed, never the whole record
 * again), `{"c":collection,"d":key}` (delete), `{"m":meta,"s":nextEventSeq}`. Every line sets
 * values (never increments), so replaying lines already in the snapshot is harmless.
 *
 * A fold rotates the log: the current file becomes `<journal>.<n>` and appends go on in a new one
 * while the snapshot is written; once the snapshot is on disk the rotated files are removed.
 * Start-up replays the rotated files (a fold a crash interrupted) before the current one.
 *
 * Appends are all-or-nothing: a write or sync that fails is cut back to the last good offset
 * before anything else may be appended, so a torn line can only ever be the last one (a crash
 * mid-append), and that one was never acknowledged.
 *
 * Where the file system commits its own journal for every write that grows a file (ext4, xfs),
 * the file is grown ahead of the appends with zeros (written and synced, a slice at a time, in the
 * background), and appends overwrite them: an overwrite made durable needs no commit of the file
 * system's metadata (the size and the blocks are already on disk), only the data and a cache flush,
 * and such commits run one at a time for the whole file system, so an append waited for the one
 * before it and for any other process's. The lines end at the first NUL byte (JSON text never
 * holds one); what follows is that room. A stopped store's journal is cut back to its lines.
 */

// The journal is opened O_DSYNC where the platform has it: each append is durable when its write
// returns, as if an fdatasync followed it, in one call to the thread pool instead of two (~25 µs
// less CPU per append here, and one hop less of latency). Elsewhere an explicit fdatasync follows.
const DSYNC = constants.O_DSYNC ?? 0
// Not O_APPEND: every write names its offset, since the file may be longer than its lines (the room
// written ahead of them).
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | DSYNC

/**
 * The most room written ahead of the appends at a time. An append made while room is written waits
 * for that write's commit (as every append did without room), for longer the more room: 256 KiB
 * (every ~70 pushes at half rate) read best of 64 KiB, 256 KiB and 1 MiB back to back
 * (`node bench/journal-room.js`: p50 / p90 0.15-0.17 / 0.33-0.72 ms against 0.26-0.36 / 0.95-2.5
 * without room, load 5).
 */
export const ROOM_BYTES = 256 * 1024

/**
 * File systems whose metadata journal commits for every durable write that grows a file, and
 * not for one that overwrites written blocks: ext2/3/4, xfs, and overlayfs (its files are those of
 * the file system beneath, usually one of these). Elsewhere (tmpfs, btrfs's copy-on-write, …)
 * writing room ahead buys nothing, and the journal appends as it always did.
 */
const ROOM_PAYS_ON = new Set([0xef53, 0x58465342, 0x794c7630])

async function roomPaysOn(file: string): Promise<boolean> {
  try {
    return ROOM_PAYS_ON.has((await statfs(dirname(file))).type)
  } catch {
    return false
  }
}

export type JournalEntry =
  | { c: string; r: Record<string, unknown> }
  | { c: string; k: string; p: Record<string, unknown>; u?: string[] }
  | { c: string; d: string }
  | { m: Record<string, string>; s: number }

export interface JournalContents {
  entries: JournalEntry[]
  /** Bytes up to the end of the last complete line. */
  goodBytes: number
  /** Bytes after the last complete line, when any of them is not NUL: a torn append, never acknowledged. */
  torn: Buffer
  /** The file's size: past goodBytes, room written ahead of the appends (NUL bytes) unless torn. */
  fileBytes: number
}

function isEntry(value: unknown): value is JournalEntry {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false
  const v = value as Record<string, unknown>
  const object = (x: unknown) => x !== null && typeof x === 'object' && !Array.isArray(x)
  if (typeof v.c === 'string') {
    if (typeof v.k === 'string') return object(v.p) && (v.u === undefined || (Array.isArray(v.u) && v.u.every((f) => typeof f === 'string')))
    return object(v.r) || typeof v.d === 'string'
  }
  return v.m !== null && typeof v.m === 'object' && typeof v.s === 'number'
}

const corrupt = (file: string, what: string) =>
  new StorageError('corrupt', `The store journal ${file} ${what}.`, `Restore ${file} from a backup, or move it aside to start from the snapshot alone (its changes are then lost).`, { file })

/**
 * Reads every complete entry of a journal file (none when it does not exist) without changing it.
 * `keepCold`: a whole record that is cold (cold.ts) is kept as its text and head.
 */
export async function readJournal(file: string, keepCold = false): Promise<JournalContents> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], goodBytes: 0, torn: Buffer.alloc(0), fileBytes: 0 }
    throw new StorageError('unreadable', `Cannot read the store journal ${file}: ${storageCause(error)}.`, 'Check the data dir and its permissions, then start again.', { file, cause: error })
  }
  // The lines end at the first NUL (the room written ahead of them, see Journal); of those, only
  // newline-terminated ones were fully written (and so possibly acknowledged). An append is
  // acknowledged only once every append before it is on disk, so nothing acknowledged lies past a
  // NUL: bytes there are a torn append's (a crash mid-write can leave a later block of it and not
  // an earlier one).
  const nul = bytes.indexOf(0)
  const lines = nul < 0 ? bytes.length : nul
  const goodBytes = lines === 0 ? 0 : bytes.lastIndexOf(0x0a, lines - 1) + 1
  let last = bytes.length
  while (last > goodBytes && bytes[last - 1] === 0) last--
  const torn = bytes.subarray(goodBytes, last)
  // A foreign file is not a torn append: ours start every line with `{"`.
  if (lines > 0 && !(bytes[0] === 0x7b && (lines === 1 || bytes[1] === 0x22))) throw corrupt(file, 'is not a gateway journal (it does not start with a journal line)')
  const entries: JournalEntry[] = []
  for (let i = 0, at = 0; at < goodBytes; i++) {
    // Each line is decoded on its own, so a record kept as text holds its line, not the whole file.
    const end = bytes.indexOf(0x0a, at)
    const line = bytes.toString('utf8', at, end)
    at = end + 1
    if (line === '') continue
    let entry: unknown
    try {
      entry = JSON.parse(line)
    } catch {
      throw corrupt(file, `is corrupt at line ${i + 1} (not JSON)`)
    }
    if (!isEntry(entry)) throw corrupt(file, `is corrupt at line ${i + 1} (not a journal entry)`)
    if (keepCold && 'r' in entry && entry.c in HEAD_FIELDS && coolable(entry.c, entry.r)) {
      // The record's text is the line's, between `{"c":"<collection>","r":` and the closing brace.
      const prefix = `{"c":${JSON.stringify(entry.c)},"r":`
      if (line.startsWith(prefix)) entry = { c: entry.c, r: cold(entry.c, line.slice(prefix.length, -1), entry.r) }
    }
    entries.push(entry as JournalEntry)
  }
  return { entries, goodBytes, torn: Buffer.from(torn), fileBytes: bytes.length }
}

/** `<journal>.<n>` files a fold rotated out and has not removed yet, oldest first. */
export async function rotatedJournals(file: string): Promise<string[]> {
  const name = basename(file)
  let names: string[]
  try {
    names = await readdir(dirname(file))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const numbered = names
    .map((n) => ({ n, gen: n.startsWith(`${name}.`) && /^\d+$/.test(n.slice(name.length + 1)) ? Number(n.slice(name.length + 1)) : -1 }))
    .filter((f) => f.gen >= 0)
    .sort((a, b) => a.gen - b.gen)
  return numbered.map((f) => join(dirname(file), f.n))
}

/** Reads a rotated journal: it was complete when rotated, so a torn end means it was damaged. */
export async function readRotatedJournal(file: string, keepCold = false): Promise<JournalContents> {
  const contents = await readJournal(file, keepCold)
  if (contents.torn.length > 0) throw corrupt(file, 'ends in a partial line (a rotated journal is always whole)')
  return contents
}

/**
 * The entries' lines, each ended by a newline, in one buffer. A whole record's line is written as
 * its collection's prefix (`{"c":"transactions","r":`, made once per collection) and the record's
 * text, each encoded where it goes: no line built as one string, no joined string and no copy of it
 * with the last newline, which were three copies of every appended byte before the buffer's own
 * (~3 KB per push). Two encodes per line, not more: each is a call into Node's C++ (~0.1-0.2 µs).
 * A cold record's text is kept, not made again.
 */
function linesBuffer(entries: JournalEntry[]): Buffer {
  const prefixes: (RecordPrefix | undefined)[] = new Array(entries.length)
  const bodies: string[] = new Array(entries.length)
  let size = 0
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    if ('r' in entry) {
      const prefix = (prefixes[i] = recordPrefix(entry.c))
      bodies[i] = jsonOf(entry.r)
      size += prefix.bytes + Buffer.byteLength(bodies[i]) + 2
    } else {
      bodies[i] = JSON.stringify(entry)
      size += Buffer.byteLength(bodies[i]) + 1
    }
  }
  const text = Buffer.allocUnsafe(size)
  let at = 0
  for (let i = 0; i < entries.length; i++) {
    const prefix = prefixes[i]
    if (prefix !== undefined) at += text.write(prefix.text, at)
    at += text.write(bodies[i], at)
    if (prefix !== undefined) text[at++] = 0x7d // }
    text[at++] = 0x0a // \n
  }
  return text
}

interface RecordPrefix {
  text: string
  bytes: number
}
const recordPrefixes = new Map<string, RecordPrefix>()

function recordPrefix(collection: string): RecordPrefix {
  let prefix = recordPrefixes.get(collection)
  if (prefix === undefined) {
    const text = `{"c":${JSON.stringify(collection)},"r":`
    prefix = { text, bytes: Buffer.byteLength(text) }
    recordPrefixes.set(collection, prefix)
  }
  return prefix
}

export class Journal {
  private handle: FileHandle | undefined
  /** The end of the last complete, synced append: where the next one is written, and where a failed one is cut back to. */
  private bytes = 0
  /** The file's size: from `bytes` on, room written ahead (NUL bytes). */
  private fileBytes = 0
  /** Whether room is written ahead of the appends on this file system (see ROOM_PAYS_ON). */
  private roomPays = false
  /** Room being written now (past `fileBytes`, where no append writes until it has ended). */
  private growing: Promise<void> | undefined
  /** Set when a failed append could not be cut back: nothing more may be appended. */
  private broken: Error | undefined

  /** `roomBytes`: how much room is written ahead at a time (at most ROOM_BYTES). */
  constructor(
    readonly file: string,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void = () => undefined,
    private readonly roomBytes = ROOM_BYTES,
  ) {}

  /**
   * Reads every complete entry and opens the log for appending. A torn last line (a crash
   * mid-append, never acknowledged) is the only thing ever cut, and its bytes are kept first in
   * `<journal>.torn-<time>`.
   */
  async open(read?: JournalContents): Promise<JournalEntry[]> {
    // The caller may have read the file already (start-up replays it first): not parsed twice.
    const { entries, goodBytes, torn, fileBytes } = read ?? (await readJournal(this.file))
    this.handle = await open(this.file, WRITE_FLAGS, PRIVATE_FILE_MODE)
    await keepPrivate(this.file, this.warn)
    this.fileBytes = fileBytes
    if (torn.length > 0) {
      const aside = `${this.file}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`
      await writeNewPrivateFile(aside, torn)
      // Everything past the lines goes: room written ahead must hold nothing but NUL bytes.
      await this.handle.truncate(goodBytes)
      await this.handle.datasync()
      this.fileBytes = goodBytes
      this.warn('store.torn_line_kept', { file: aside, bytes: torn.length })
    }
    this.bytes = goodBytes
    this.roomPays = this.roomBytes > 0 && (await roomPaysOn(this.file))
    return entries
  }

  size(): number {
    return this.bytes
  }

  async append(entries: JournalEntry[]): Promise<void> {
    if (entries.length === 0 || !this.handle) return
    if (this.broken) throw this.broken
    const text = linesBuffer(entries)
    const end = this.bytes + text.length
    // Room being written where this append goes: wait for it (after a failed one, the append grows the file itself).
    if (end > this.fileBytes && this.growing) await this.growing
    try {
      // A full disk can make a write short without an error, so what is left is written until all of it is.
      for (let at = 0; at < text.length; ) at += (await this.handle.write(text, at, text.length - at, this.bytes + at)).bytesWritten
      // Acknowledged means durable, power loss included: ~0.3 ms here, shared by a whole flush.
      // fdatasync suffices: it writes the data and whatever metadata reading it back needs (the size when it grew).
      if (!DSYNC) await this.handle.datasync()
    } catch (error) {
      await this.cutBack(error)
      throw error
    }
    this.bytes = end
    this.fileBytes = Math.max(this.fileBytes, end)
    if (this.roomPays && !this.growing && this.fileBytes - end < this.roomBytes / 2) this.growing = this.makeRoom()
  }

  /**
   * Writes NUL bytes past the file's end, durably (the journal is opened O_DSYNC, or a datasync
   * follows), while appends go on before it. A failure (a full disk) leaves the room as it was and
   * writes none ahead on this file again: the appends grow it themselves, and a full disk then
   * fails the one that does not fit, as without room.
   */
  private async makeRoom(): Promise<void> {
    const from = this.fileBytes
    const zeros = roomOf(this.roomBytes)
    try {
      for (let at = 0; at < zeros.length; ) at += (await this.handle!.write(zeros, at, zeros.length - at, from + at)).bytesWritten
      if (!DSYNC) await this.handle!.datasync()
      this.fileBytes = from + zeros.length
    } catch (error) {
      this.roomPays = false
      this.warn('store.journal_room_failed', { file: this.file, message: storageCause(error) })
    } finally {
      this.growing = undefined
    }
  }

  /** Removes whatever part of a failed append reached the file, so the log ends on a whole line. */
  private async cutBack(cause: unknown): Promise<void> {
    try {
      await this.growing
      await this.handle!.truncate(this.bytes)
      await this.handle!.datasync()
      this.fileBytes = this.bytes
    } catch (error) {
      this.broken = new StorageError('write_failed', `Cannot cut the store journal ${this.file} back after a failed append (${storageCause(cause)}): ${storageCause(error)}.`, 'Stop the gateway, free disk space or fix the disk, and start it again: start-up keeps a torn last line aside.', { file: this.file, cause: error })
    }
  }

  /**
   * Moves everything appended so far to `<journal>.<n>` (n above every rotated file left) and goes
   * on in a new, empty file. Returns the rotated file. A failure before the rename changes nothing;
   * after it, nothing more may be appended (the caller fails the store).
   */
  async rotate(): Promise<string> {
    if (this.broken) throw this.broken
    const rotated = await rotatedJournals(this.file)
    const next = rotated.length === 0 ? 1 : Number(/\.(\d+)$/.exec(rotated.at(-1)!)![1]) + 1
    const target = `${this.file}.${next}`
    // Room being written goes on at the old file's end: it ends before that file is closed.
    await this.growing
    await rename(this.file, target)
    await this.handle?.close()
    this.handle = undefined
    this.bytes = 0
    this.fileBytes = 0
    try {
      this.handle = await open(this.file, WRITE_FLAGS, PRIVATE_FILE_MODE)
      await syncDir(dirname(this.file))
    } catch (error) {
      this.broken = new StorageError('write_failed', `Cannot start a new store journal ${this.file}: ${storageCause(error)}.`, 'Stop the gateway, fix the disk and start it again: start-up replays the rotated journal.', { file: this.file, cause: error })
      throw this.broken
    }
    return target
  }

  /**
   * Removes rotated files up to `last` once the snapshot holds what they hold (and is itself
   * synced): each is renamed to `aside(file)` (a name start-up removes without reading it), then
   * freed a slice at a time (remove-gradually.ts), so that freeing tens of MB does not hold the
   * appends' commits.
   */
  async removeRotated(last: string, aside: (file: string) => string): Promise<void> {
    const moved: string[] = []
    for (const file of await rotatedJournals(this.file)) {
      const to = aside(file)
      await rename(file, to)
      moved.push(to)
      if (file === last) break
    }
    await syncDir(dirname(this.file))
    for (const file of moved) await removeGradually(file)
  }

  /** Closes the file, cut back to its lines: room written ahead is for a running store's appends. */
  async close(): Promise<void> {
    await this.growing
    if (this.handle && this.fileBytes > this.bytes && !this.broken) await this.handle.truncate(this.bytes).catch(() => undefined)
    await this.handle?.close()
    this.handle = undefined
  }
}

let zeros: Buffer | undefined

/** NUL bytes to write as room (one buffer for every journal: it is only ever read). */
function roomOf(bytes: number): Buffer {
  if (!zeros || zeros.length < bytes) zeros = Buffer.alloc(Math.max(bytes, ROOM_BYTES))
  return zeros.subarray(0, bytes)
}
