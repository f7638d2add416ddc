import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Store files hold payments and phone numbers: owner only. */
export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

type Warn = (message: string, fields: Record<string, unknown>) => void

/** Narrows a file or dir to owner-only access, with a warning when it was wider. */
export async function keepPrivate(path: string, warn: Warn, mode = PRIVATE_FILE_MODE): Promise<void> {
  const current = (await stat(path)).mode & 0o777
  if ((current & ~mode) === 0) return
  await chmod(path, mode)
  warn('store.mode_fixed', { path, was: current.toString(8), now: mode.toString(8) })
}

/** Creates the data dir (0700), or narrows an existing one. */
export async function ensurePrivateDir(dir: string, warn: Warn): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  await keepPrivate(dir, warn, PRIVATE_DIR_MODE)
}

/** Forces a dir entry (a rename into it) to disk. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Writes a file that must not exist yet, 0600, synced. */
export async function writeNewPrivateFile(file: string, data: Buffer | string): Promise<void> {
  const handle = await open(file, 'wx', PRIVATE_FILE_MODE)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await syncDir(dirname(file))
}

/**
 * A temp file's name beside `file` (`.<name>.<8 hex>.tmp`): start-up removes any it finds, never
 * reading it (what a crash left of a fold's temp file, or of a file being removed gradually).
 */
export function tempFileOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`)
}

/**
 * Replaces `file` atomically (temp file 0600 + fsync + rename + fsync of the dir), so a crash
 * leaves the old or the new content, never a torn one: `write` fills the temp file. A failed
 * write removes its temp file (`.<name>.<8 hex>.tmp`; one a crash left is removed by the store at start-up).
 */
export async function replaceFileAtomic(file: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const temp = tempFileOf(file)
  try {
    const handle = await open(temp, 'wx', PRIVATE_FILE_MODE)
    try {
      await write(handle)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, file)
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
  await syncDir(dirname(file))
}

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await replaceFileAtomic(file, (handle) => handle.writeFile(data))
}
