import { link, rm } from 'node:fs/promises'
import { isCold, jsonOf } from './cold.js'
import { KEY_OF, type Collection } from './document.js'
import { StorageError, storageCause } from './errors.js'
import { tempFileOf } from './files.js'
import type { Journal } from './journal.js'
import { removeGradually } from './remove-gradually.js'
import { writeSnapshot, type SnapshotSource } from './snapshot-file.js'
import type { StoreState } from './state.js'

/** A failed fold is tried again after this long (the journal keeps everything meanwhile). */
const FOLD_RETRY_MS = 10_000

type Views = SnapshotSource & { close(): void }

const notCold = (record: unknown) => !isCold(record)

/**
 * Folds (compaction) of the embedded store, which never hold the event loop: the journal is
 * rotated at one flush (`gateway.journal.<n>`), the snapshot of the store as of that flush (Table
 * views, copy-on-write) is written a buffer at a time while writes go on, and the rotated journal
 * is removed once the snapshot is on disk. A fold that fails loses nothing: the rotated journal
 * still holds it all, and start-up replays it.
 */
export class Folds {
  /** Bytes of the snapshot on disk. */
  snapshotBytes = 0
  /** Bytes of rotated journals not yet removed (their changes are not in the snapshot yet). */
  rotatedBytes = 0
  /** The fold writing now, if one is. */
  running: Promise<void> | undefined
  private pausedUntil = 0

  constructor(
    private readonly file: string,
    private readonly journal: Journal,
    private readonly minBytes: number,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  /**
   * Whether the journal has grown past half the snapshot (and the threshold) and no fold runs.
   * Start-up replays the journal line by line, which costs more per byte than the snapshot: kept
   * at most half as large, it is at most a third of what a restart reads.
   */
  due(): boolean {
    return this.worthFolding(Math.max(this.minBytes, this.snapshotBytes / 2))
  }

  /** Whether to fold before closing: the next start then reads the snapshot alone. */
  dueAtClose(): boolean {
    return this.worthFolding(this.minBytes)
  }

  private worthFolding(journalBytes: number): boolean {
    return !this.running && this.journal.size() + this.rotatedBytes > journalBytes && Date.now() >= this.pausedUntil
  }

  /** Views of every collection as it is now: take them in the same synchronous step as the flush's entries. */
  views(state: StoreState): Views {
    const opened = new Map((Object.keys(KEY_OF) as Collection[]).map((c) => [c, state.tables[c].view()]))
    return {
      meta: state.meta,
      nextEventSeq: state.nextEventSeq,
      // Records that are not text already (cold.ts) keep their text for the next fold.
      cursor: (c) => opened.get(c)!.cursor(jsonOf, notCold),
      close: () => opened.forEach((view) => view.close()),
    }
  }

  /**
   * Rotates the journal (call within the flush, so that no later append lands before it), then
   * writes the snapshot in the background. Rejects only when the journal can take no more appends
   * (the caller fails the store).
   */
  async start(views: Views): Promise<void> {
    const journalBytes = this.journal.size()
    let rotated: string
    try {
      rotated = await this.journal.rotate()
    } catch (error) {
      views.close()
      // After the rename, a journal that cannot be reopened takes no appends.
      if (error instanceof StorageError) throw error
      this.pause(error)
      return
    }
    this.rotatedBytes += journalBytes
    this.running = this.write(views, rotated).finally(() => {
      this.running = undefined
    })
  }

  private async write(views: Views, rotated: string): Promise<void> {
    // The old snapshot keeps a second name (one start-up removes) while the new one is renamed
    // over it: the rename then frees nothing, and its blocks are freed a slice at a time after,
    // with the rotated journal's (remove-gradually.ts).
    const old = await linkAside(this.file)
    try {
      this.snapshotBytes = await writeSnapshot(this.file, views)
    } catch (error) {
      if (old) await rm(old, { force: true }).catch(() => undefined)
      this.pause(error)
      return
    } finally {
      views.close()
    }
    this.rotatedBytes = 0
    await this.journal.removeRotated(rotated, () => tempFileOf(this.file)).catch((error) => this.warn('store.fold_cleanup_failed', { file: rotated, message: storageCause(error) }))
    if (old) await removeGradually(old).catch((error) => this.warn('store.fold_cleanup_failed', { file: old, message: storageCause(error) }))
  }

  private pause(error: unknown): void {
    this.pausedUntil = Date.now() + FOLD_RETRY_MS
    this.warn('store.fold_failed', { file: this.file, message: storageCause(error) })
  }
}

/** A second name for `file` (a temp file's, see tempFileOf), or undefined when there is no file or no hard links. */
async function linkAside(file: string): Promise<string | undefined> {
  const aside = tempFileOf(file)
  try {
    await link(file, aside)
    return aside
  } catch {
    return undefined
  }
}
