import { open, readFile, type FileHandle } from 'node:fs/promises'
import { StorageError, storageCause } from './errors.js'
import { PRIVATE_FILE_MODE, keepPrivate, writeNewPrivateFile } from './files.js'

/**
 * An append-only log of record upserts and deletions beside the snapshot. Appending the few
 * records a request changed costs microseconds whatever the store's size, where rewriting the
 * whole JSON file costs ~40 ms at 10k transactions. The snapshot is rewritten (compacted) only
 * once the log has grown as large as the snapshot, so that cost is paid rarely.
 *
 * Lines are JSON: `{"c":collection,"r":record}` (upsert), `{"c":collection,"d":key}` (delete),
 * `{"m":meta,"s":nextEventSeq}`. Replaying a line twice is harmless, so a crash between a
 * compaction and the log's truncation loses nothing.
 *
 * Appends are all-or-nothing: a write or sync that fails is cut back to the last good offset
 * before anything else may be appended, so a torn line can only ever be the last one (a crash
 * mid-append), and that one was never acknowledged.
 */
export type JournalEntry =
  | { c: string; r: Record<string, unknown> }
  | { c: string; d: string }
  | { m: Record<string, string>; s: number }

export interface JournalContents {
  entries: JournalEntry[]
  /** Bytes up to the end of the last complete line. */
  goodBytes: number
  /** Bytes after the last complete line: a torn append, never acknowledged. */
  torn: Buffer
}

function isEntry(value: unknown): value is JournalEntry {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false
  const v = value as Record<string, unknown>
  if (typeof v.c === 'string') return (v.r !== null && typeof v.r === 'object' && !Array.isArray(v.r)) || typeof v.d === 'string'
  return v.m !== null && typeof v.m === 'object' && typeof v.s === 'number'
}

const corrupt = (file: string, what: string) =>
  new StorageError('corrupt', `The store journal ${file} ${what}.`, `Restore ${file} from a backup, or move it aside to start from the snapshot alone (its changes are then lost).`, { file })

/** Reads every complete entry of a journal file (none when it does not exist) without changing it. */
export async function readJournal(file: string): Promise<JournalContents> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], goodBytes: 0, torn: Buffer.alloc(0) }
    throw new StorageError('unreadable', `Cannot read the store journal ${file}: ${storageCause(error)}.`, 'Check the data dir and its permissions, then start again.', { file, cause: error })
  }
  // Only newline-terminated lines were fully written (and so possibly acknowledged).
  const goodBytes = bytes.lastIndexOf(0x0a) + 1
  const torn = bytes.subarray(goodBytes)
  // A foreign file is not a torn append: ours start every line with `{"`.
  if (bytes.length > 0 && !(bytes[0] === 0x7b && (bytes.length === 1 || bytes[1] === 0x22))) throw corrupt(file, 'is not a gateway journal (it does not start with a journal line)')
  const lines = bytes.subarray(0, goodBytes).toString('utf8').split('\n')
  const entries: JournalEntry[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue
    let entry: unknown
    try {
      entry = JSON.parse(lines[i])
    } catch {
      throw corrupt(file, `is corrupt at line ${i + 1} (not JSON)`)
    }
    if (!isEntry(entry)) throw corrupt(file, `is corrupt at line ${i + 1} (not a journal entry)`)
    entries.push(entry)
  }
  return { entries, goodBytes, torn: Buffer.from(torn) }
}

export class Journal {
  private handle: FileHandle | undefined
  /** The end of the last complete, synced append: where a failed append is cut back to. */
  private bytes = 0
  /** Set when a failed append could not be cut back: nothing more may be appended. */
  private broken: Error | undefined

  constructor(
    readonly file: string,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void = () => undefined,
  ) {}

  /**
   * Reads every complete entry and opens the log for appending. A torn last line (a crash
   * mid-append, never acknowledged) is the only thing ever cut, and its bytes are kept first in
   * `<journal>.torn-<time>`.
   */
  async open(): Promise<JournalEntry[]> {
    const { entries, goodBytes, torn } = await readJournal(this.file)
    this.handle = await open(this.file, 'a', PRIVATE_FILE_MODE)
    await keepPrivate(this.file, this.warn)
    if (torn.length > 0) {
      const aside = `${this.file}.torn-${new Date().toISOString().replace(/[:.]/g, '-')}`
      await writeNewPrivateFile(aside, torn)
      await this.handle.truncate(goodBytes)
      await this.handle.datasync()
      this.warn('store.torn_line_kept', { file: aside, bytes: torn.length })
    }
    this.bytes = goodBytes
    return entries
  }

  size(): number {
    return this.bytes
  }

  async append(entries: JournalEntry[]): Promise<void> {
    if (entries.length === 0 || !this.handle) return
    if (this.broken) throw this.broken
    const text = Buffer.from(`${entries.map((e) => JSON.stringify(e)).join('\n')}\n`)
    try {
      await this.handle.appendFile(text)
      // Acknowledged means durable, power loss included: ~0.3 ms here, shared by a whole flush.
      await this.handle.datasync()
    } catch (error) {
      await this.cutBack(error)
      throw error
    }
    this.bytes += text.length
  }

  /** Removes whatever part of a failed append reached the file, so the log ends on a whole line. */
  private async cutBack(cause: unknown): Promise<void> {
    try {
      await this.handle!.truncate(this.bytes)
      await this.handle!.datasync()
    } catch (error) {
      this.broken = new StorageError('write_failed', `Cannot cut the store journal ${this.file} back after a failed append (${storageCause(cause)}): ${storageCause(error)}.`, 'Stop the gateway, free disk space or fix the disk, and start it again: start-up keeps a torn last line aside.', { file: this.file, cause: error })
    }
  }

  /** Called once the snapshot holds everything the log holds (and is itself synced to disk). */
  async truncate(): Promise<void> {
    await this.handle?.truncate(0)
    await this.handle?.datasync()
    this.bytes = 0
  }

  async close(): Promise<void> {
    await this.handle?.close()
    this.handle = undefined
  }
}
