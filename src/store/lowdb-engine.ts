import { readdir, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { journalFileOf, KEY_OF, loadDocument, type Collection, type StoreDocument } from './document.js'
import { StorageError, storageCause } from './errors.js'
import { ensurePrivateDir, keepPrivate } from './files.js'
import { Journal, ROOM_BYTES, type JournalEntry } from './journal.js'
import { ChangeSet } from './changes.js'
import { damagedRecord, isWhole, type Cold } from './cold.js'
import { Folds } from './folds.js'
import { StoreState, type Stored } from './state.js'
import { hashCallbackTokens } from './tokens.js'

/** The journal is folded into the snapshot once it is this large and half as large as the snapshot. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024

/**
 * The embedded store's ceiling, in bytes of snapshot + journal. Past it the store refuses new work
 * (accepted work still finishes, up to 1.5×). What it costs is measured (`node
 * scripts/store-measure.mjs --ceiling`; README "Size ceiling"): memory and restart time grow with
 * it, and PostgreSQL is the way on. 384 MiB holds a 10-minute run at 100 payments/s (60k full flows).
 */
export const DEFAULT_MAX_BYTES = 384 * 1024 * 1024

const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MiB` : `${Math.round(n / 1024)} KiB`)

export type Warn = (message: string, fields: Record<string, unknown>) => void

export interface LowdbEngineOptions {
  /** New work is refused past this size of snapshot + journal (default DEFAULT_MAX_BYTES); everything stops at 1.5×. */
  maxBytes?: number
  /** The journal is folded once it is past this size and half as large as the snapshot (default 4 MiB), and at close once past this size. */
  foldMinBytes?: number
  /** Operational warnings (a file mode fixed, a torn line kept, a fold that failed). */
  warn?: Warn
}

/**
 * Durability of the embedded store: records in memory (StoreState) plus a JSON snapshot and an
 * append-only journal of what changed since (journal.ts, snapshot-file.ts, folds.ts). Mutations apply
 * to memory synchronously (so compare-and-set is atomic in this process) and concurrent ones share
 * one flush: a caller's promise resolves after an append that began after its change, i.e. once
 * it is on disk. No read answers what is not on disk: a record with a change not written yet is
 * answered once that change is (onceWritten: the flush it waited for may end with a newer change
 * in memory only), a list leaves out records not stored at all yet, and the common case (nothing
 * of the record waiting) answers without waiting at all.
 *
 * Failure model (as PostgreSQL answers a failed fsync): when an append fails, the journal is cut
 * back to its last whole line and the store is *failed*: memory may hold changes the disk does
 * not, so every later call (reads too) rejects with the same StorageError, `whenFailed()`
 * resolves, and the process is expected to exit and start again from what is on disk.
 *
*/
const afterThisTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

export abstract class LowdbEngine {
  protected state = new StoreState()
  /**
   * The meta values the last flush wrote (meta is replaced whole on a change): what getMeta
   * answers, at once. Memory's may hold a value set during that flush and not written yet.
   */
  protected metaOnDisk = this.state.meta
  private writing: Promise<void> = Promise.resolve()
  private queued: Promise<void> | null = null
  /** A flush is appending (set and cleared inside flush(), so never stale once `writing` has settled). */
  private appending = false
  protected closed = false
  protected failedWith: StorageError | undefined
  private readonly failed: Promise<StorageError>
  private signalFailure!: (error: StorageError) => void
  private readonly journal: Journal
  private readonly changes = new ChangeSet()
  private readonly folds: Folds
  /** A fold asked for (fold()): the next flush starts it. */
  private foldWanted = false
  /** The check of history lines after start-up (checkCold). */
  private startupCheck: Promise<void> = Promise.resolve()
  private readonly maxBytes: number
  protected readonly warn: Warn

  constructor(
    readonly file: string,
    options: LowdbEngineOptions,
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
    this.warn = options.warn ?? (() => undefined)
    const foldMinBytes = options.foldMinBytes ?? COMPACT_MIN_BYTES
    // The room written ahead of the appends is at most a quarter of what a fold takes at least.
    this.journal = new Journal(journalFileOf(file), this.warn, Math.min(ROOM_BYTES, Math.max(4096, Math.floor(foldMinBytes / 4 / 4096) * 4096)))
    this.folds = new Folds(file, this.journal, foldMinBytes, this.warn)
    this.failed = new Promise((resolve) => (this.signalFailure = resolve))
  }

  async open(): Promise<void> {
    const dir = dirname(this.file)
    await ensurePrivateDir(dir, this.warn)
    const { doc, snapshotBytes, rotatedBytes, journal, unchecked } = await loadDocument(this.file, { keepCold: true })
    this.folds.snapshotBytes = snapshotBytes
    this.folds.rotatedBytes = rotatedBytes
    // Cuts (and keeps aside) a torn last line; loadDocument has read the same complete lines.
    await this.journal.open(journal)
    // A store written before callback tokens were hashed: hash them now, and fold at once so
    // that no file keeps them in clear.
    const migrated = doc.transactions.filter((t) => hashCallbackTokens(t)).length
    this.state = StoreState.of(doc)
    this.metaOnDisk = this.state.meta
    this.state.file = this.file
    if (migrated > 0) {
      await this.fold()
      this.warn('store.callback_tokens_hashed', { transactions: migrated })
    }
    // Everything in the data dir (snapshot, journal, tokens, keys, kept torn lines) is private;
    // a snapshot temp file is what a crash during a fold left, never read: removed.
    const temp = new RegExp(`^\\.${basename(this.file).replace(/[.]/g, '\\.')}\\.[0-9a-f]{8}\\.tmp$`)
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue
      if (temp.test(entry.name)) await rm(join(dir, entry.name), { force: true })
      else await keepPrivate(join(dir, entry.name), this.warn)
    }
    this.startupCheck = this.checkCold(unchecked)
  }

  /** Resolves once the check of history lines after start-up has ended (a store just opened runs it in the background for seconds). */
  whenChecked(): Promise<void> {
    return this.startupCheck
  }

  /**
   * Start-up reads history lines (cold.ts) without parsing them; this parses each one in full
   * afterwards and names any that is damaged (reading it answers the same StorageError). Gently:
   * 1 ms of it every 10 ms, since the trees it builds and drops would otherwise make the GC
   * collect the young generation every few milliseconds (~20k lines a second).
   */
  private async checkCold(unchecked: Array<Cold<unknown>>): Promise<void> {
    for (let i = 0; i < unchecked.length && !this.closed; ) {
      const until = performance.now() + 1
      while (i < unchecked.length && performance.now() < until) {
        for (let j = 0; j < 16 && i < unchecked.length; j++, i++) {
          if (!isWhole(unchecked[i])) this.warn('store.damaged_record', { file: this.file, detail: damagedRecord(this.file, unchecked[i]).message })
        }
      }
      // Unref'd: a process that is otherwise done does not wait for it.
      await new Promise((resolve) => setTimeout(resolve, 10).unref())
    }
  }

  failure(): StorageError | undefined {
    return this.failedWith
  }

  whenFailed(): Promise<StorageError> {
    return this.failed
  }

  private fail(cause: unknown): StorageError {
    if (!this.failedWith) {
      this.failedWith =
        cause instanceof StorageError
          ? cause
          : new StorageError(
              'write_failed',
              `Cannot write the store journal ${this.journal.file}: ${storageCause(cause)}. The store refuses every call until the gateway restarts from what is on disk.`,
              'Free disk space (or fix the disk) and restart the gateway; everything it acknowledged is on disk.',
              { file: this.journal.file, cause },
            )
      this.signalFailure(this.failedWith)
    }
    return this.failedWith
  }

  /** Snapshot + journal bytes: never less than the document's JSON length. */
  private estimatedBytes(): number {
    return this.folds.snapshotBytes + this.folds.rotatedBytes + this.journal.size()
  }

  /** Throws unless a change may be made now; `newWork` is refused earlier, at the size ceiling. */
  protected writable(newWork = false): void {
    if (this.failedWith) throw this.failedWith
    if (this.closed) throw new StorageError('closed', 'The store is closed.', 'The gateway is stopping; retry once it is back.')
    const size = this.estimatedBytes()
    const limit = newWork ? this.maxBytes : this.maxBytes * 1.5
    if (size > limit) {
      throw new StorageError(
        'full',
        `The store ${this.file} holds ${formatBytes(size)}, past its ${formatBytes(limit)} ceiling (the embedded store keeps everything in memory and reads it all at start-up), so it takes no ${newWork ? 'new work' : 'more changes'}.`,
        'Move to the PostgreSQL store (mpg db import), or archive old transactions into another data dir; payments already accepted still finish.',
        { file: this.file },
      )
    }
  }

  /** Throws once the store has failed: reads that wait for nothing still refuse to answer then. */
  protected answering(): void {
    if (this.failedWith) throw this.failedWith
  }

  /**
   * A change that did not apply (a guard that failed, a record already so) is answered from what
   * memory holds; that answer waits until nothing of the record waits to be written, as a read does.
   */
  protected async unchanged<C extends Collection>(c: C, key: string): Promise<undefined> {
    if (!this.written(c, key)) await this.onceWritten(c, key)
    return undefined
  }

  /**
   * Whether a read of this one record may answer at once: nothing of it waits to be written (see
   * ChangeSet.unwritten), so what memory holds of it is what the disk holds. Otherwise the read
   * waits for the flushes (onceWritten()). Throws once the store has failed, as answering() does.
   * A push reads its API key, account and Idempotency-Key: each used to wait for whatever flush was
   * running, up to three flushes (a few ms each under load) before its payment was even stored.
   */
  protected written<C extends Collection>(c: C, key: string | undefined): boolean {
    if (this.failedWith) throw this.failedWith
    return key === undefined || !this.changes.unwritten(c, key)
  }

  /**
   * The record once nothing of it waits to be written (after written() said something does).
   * One flush is not always enough: a change made to the record while that flush was writing
   * (another request's, or a "last used" stamp that waits for the next write) is in memory and not
   * on disk when it ends, so the read waits for the flush that takes it too. It ends: a record
   * changes only so many times. The record is taken in the same step as the check that it is
   * written (a caller reading it after its await could see a change made meanwhile).
   * `leaveOutUnstored`: a record no version of which is on disk yet (stored since the last write,
   * so not acknowledged) answers undefined at once, as if it were made after the read: a list
   * does not wait for records newer than itself, which under load would never end. A list's loop
   * calls it only for a record written() says is not, so the common case adds no await.
   */
  protected async onceWritten<C extends Collection>(c: C, key: string, leaveOutUnstored = false): Promise<StoreDocument[C][number] | undefined> {
    try {
      while (!this.written(c, key)) {
        if (leaveOutUnstored && this.changes.unstored(c, key)) return undefined
        // A change no flush has taken yet: the next one (persist() starts it if none is queued);
        // else only the flush that is writing it.
        await (this.changes.untaken(c, key) ? this.persist() : this.writing)
      }
    } catch (error) {
      throw this.failedWith ?? error
    }
    return this.state.get(c, key)
  }

  /** Whether no version of the record is on disk yet, nor acknowledged (see ChangeSet.unstored). */
  protected unstored(c: Collection, key: string): boolean {
    return this.changes.unstored(c, key)
  }

  /** Records of `c` with a change not written yet (see ChangeSet.unwrittenOf): a list visits them too. */
  protected unwrittenOf(c: Collection, removalsOnly = false): Array<{ key: string; base: Record<string, unknown> | undefined }> {
    return this.changes.unwrittenOf(c, removalsOnly)
  }

  /** What a read answers of one record: at once when nothing of it waits to be written, else once it is written. */
  protected writtenRecord<C extends Collection>(c: C, key: string | undefined): StoreDocument[C][number] | undefined | Promise<StoreDocument[C][number] | undefined> {
    if (this.written(c, key)) return key === undefined ? undefined : this.state.get(c, key)
    return this.onceWritten(c, key!)
  }

  /** Stores a record (new, or a new version) in memory; written with the next flush. */
  protected put<C extends Collection>(c: C, record: StoreDocument[C][number] | Stored<C>): void {
    const key = String((record as unknown as Record<string, unknown>)[KEY_OF[c]])
    // The version replaced comes from the store's own look-up: no second one in the change set.
    const replaced = this.state.put(c, record, key)
    this.changes.track(c, key, replaced as Record<string, unknown> | undefined, record as unknown as Record<string, unknown>)
  }

  protected remove(c: 'idempotency' | 'events' | 'deliveries', key: string): boolean {
    if (!this.state.tables[c].has(key)) return false
    this.changes.track(c, key, this.state.tables[c].get(key) as Record<string, unknown> | undefined)
    return this.state.remove(c, key)
  }

  protected metaChanged(): void {
    this.changes.metaChanged()
  }

  /** One flush: append what changed; start a fold when the journal has grown. */
  private async flush(): Promise<void> {
    this.appending = true
    try {
      await this.flushChanges()
    } finally {
      this.appending = false
    }
  }

  private async flushChanges(): Promise<void> {
    if (this.failedWith) throw this.failedWith
    const entries = this.changes.take(this.state)
    const meta = this.state.meta
    // A fold's views are taken in the same synchronous step as the entries, so the snapshot holds
    // exactly what the journal holds once they are appended, and nothing newer.
    const folding = !this.folds.running && (this.foldWanted || this.folds.due())
    if (folding) this.foldWanted = false
    const views = folding ? this.folds.views(this.state) : undefined
    try {
      await this.appendOrRetry(entries)
      this.metaOnDisk = meta
    } catch (error) {
      views?.close()
      throw this.fail(error)
    } finally {
      this.changes.written()
    }
    if (views) await this.folds.start(views).catch((error) => Promise.reject(this.fail(error)))
  }

  /**
   * A fold's temp file takes disk space while appends go on: an append refused for want of space
   * while a fold is writing (it was cut back whole) is tried once more after that fold ends,
   * which removes its temp file when it failed.
   */
  private async appendOrRetry(entries: JournalEntry[]): Promise<void> {
    const fold = this.folds.running
    try {
      await this.journal.append(entries)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const during = this.folds.running ?? fold
      if (!during || (code !== 'ENOSPC' && code !== 'EDQUOT')) throw error
      await during
      await this.journal.append(entries)
    }
  }

  /**
   * Folds now and waits for it (start-up migrations, close, measurements). The fold starts within
   * a flush, as one that is due does: started beside the flushes, its rotation of the journal
   * could close the file under an append in progress (EBADF, and the store failed).
   */
  async fold(): Promise<void> {
    this.foldWanted = true
    try {
      // A fold another flush started meanwhile holds only what was written before it: wait, ask again.
      while (this.foldWanted) {
        await this.folds.running
        await this.persist()
      }
    } catch (error) {
      this.foldWanted = false
      throw error
    }
    await this.folds.running
  }

  /** Resolves once a write that started after this call has finished. */
  protected persist(): Promise<void> {
    if (this.failedWith) return Promise.reject(this.failedWith)
    if (this.queued) return this.queued
    // With no append in progress, the flush starts in the check phase, after every socket that was
    // ready in this turn of the event loop has been read: the changes of all those requests share
    // one write and one fdatasync (starting it on the first request's microtasks left the rest for
    // the next one). Behind an append in progress, the changes made meanwhile are written as soon
    // as it ends, in its own microtasks: waiting for the check phase there made them wait for
    // everything else that turn did first (the answers of the append just ended, every request
    // read in that turn), which under load is the longest wait of a push after the syncs. Nothing
    // is acknowledged earlier for it: callers still wait for the flush.
    const behindAnAppend = this.appending
    const next = this.writing
      .catch(() => undefined)
      .then(behindAnAppend ? undefined : afterThisTurn)
      .then(() => {
        this.queued = null
        this.writing = this.flush()
        this.writing.catch(() => undefined)
        return this.writing
      })
    next.catch(() => undefined)
    this.queued = next
    return next
  }

  async close(): Promise<void> {
    if (this.closed) return
    if (!this.failedWith) await this.persist().catch(() => undefined)
    // A clean stop leaves the next start only the snapshot to read (a failed fold loses nothing):
    // a fold still running holds only what was written when it began, so it is waited for and
    // what came after it folded too.
    await this.folds.running?.catch(() => undefined)
    if (!this.failedWith && this.folds.dueAtClose()) await this.fold().catch(() => undefined)
    // (A check of history lines in progress stops at its next step: it only reads.)
    this.closed = true
    await this.writing.catch(() => undefined)
    await this.folds.running
    await this.journal.close()
  }

  sizeBytes(): number {
    return this.folds.snapshotBytes
  }

  async ping() {
    return !this.closed && !this.failedWith
  }

  /** The only process on this file leads. */
  async tryLead() {
    return true
  }
}
