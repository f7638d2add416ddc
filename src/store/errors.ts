/**
 * Why the store cannot do what was asked. The gateway answers these with 503 and the hint (an
 * operator's problem, not the caller's); start-up prints them as one line and exits.
 *
 * - `write_failed`: a durable write failed (disk full, I/O error). The store is *failed* from then
 *   on: it refuses every call until the process restarts from what is on disk.
 * - `full`: the store is at its size ceiling and refuses new work (existing work still finishes).
 * - `corrupt`: a store file is not what the gateway wrote; nothing was changed.
 * - `unreadable`: a store file cannot be read (permissions, I/O).
 * - `closed`: the store was closed (the gateway is stopping).
 * - `unavailable`: the database does not answer (PostgreSQL down or unreachable); the
 *   transaction was rolled back, and the call may be retried once it answers.
 */
export type StorageErrorReason = 'write_failed' | 'full' | 'corrupt' | 'unreadable' | 'closed' | 'unavailable'

export class StorageError extends Error {
  /** The file concerned, when there is one. */
  readonly file: string | undefined

  constructor(
    readonly reason: StorageErrorReason,
    message: string,
    /** What the operator should do next. */
    readonly hint: string,
    options: { file?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'StorageError'
    this.file = options.file
  }
}

export function isStorageError(error: unknown): error is StorageError {
  return error instanceof StorageError
}

/** A file-system error in a few words: `ENOSPC (no space left on device)`. */
export function storageCause(error: unknown): string {
  const e = error as NodeJS.ErrnoException
  if (e?.code === 'ENOSPC') return 'ENOSPC (no space left on device)'
  if (e?.code === 'EIO') return 'EIO (input/output error)'
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return `${e.code} (permission denied)`
  if (e?.code === 'EDQUOT') return 'EDQUOT (disk quota exceeded)'
  return e?.message ?? String(error)
}
