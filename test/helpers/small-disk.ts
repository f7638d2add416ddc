import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, statfsSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real small file system (tmpfs) that a test can fill up and free again, to see what the
 * gateway does when a write fails with ENOSPC. Mounting needs root: CI runs as root; elsewhere
 * `smallDiskUnavailable()` says why the test is skipped.
 */
export interface SmallDisk {
  /** The mount point (empty at first). */
  dir: string
  /** Writes a filler file until the disk is full (ENOSPC). Returns the bytes it took. */
  fill(): number
  /** Removes the filler: the disk has room again. */
  free(): void
  /** Bytes still free on the disk. */
  freeBytes(): number
  /** Unmounts and removes the mount point (idempotent). */
  close(): void
}

let reason: string | null | undefined

/** Why a small disk cannot be mounted here (undefined when it can); printed once per process. */
export function smallDiskUnavailable(): string | undefined {
  if (reason === undefined) {
    reason = null
    if (process.platform !== 'linux') reason = `disk-full tests need Linux tmpfs (this is ${process.platform})`
    else if (process.getuid?.() !== 0) reason = 'disk-full tests mount a tmpfs and need root (CI runs as root)'
    else {
      try {
        mountSmallDisk(64 * 1024).close()
      } catch (error) {
        reason = `cannot mount a tmpfs: ${(error as Error).message.split('\n')[0]}`
      }
    }
    if (reason) console.log(`skipped: ${reason}`)
  }
  return reason ?? undefined
}

/** Mounts a tmpfs of `sizeBytes` (default 2 MiB) on a fresh temp dir. */
export function mountSmallDisk(sizeBytes = 2 * 1024 * 1024): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-small-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const filler = join(dir, '.filler')
  let mounted = true
  const disk: SmallDisk = {
    dir,
    fill() {
      mkdirSync(dir, { recursive: true })
      const fd = openSync(filler, 'a')
      const chunk = Buffer.alloc(4096, 0x66)
      let written = 0
      try {
        for (;;) written += writeSync(fd, chunk)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      } finally {
        closeSync(fd)
      }
      // tmpfs may still take a partial block: write single bytes until it refuses them too.
      const fd2 = openSync(filler, 'a')
      try {
        for (;;) written += writeSync(fd2, Buffer.from('f'))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      } finally {
        closeSync(fd2)
      }
      return written
    },
    free() {
      rmSync(filler, { force: true })
    },
    freeBytes() {
      const stats = statfsSync(dir)
      return Number(stats.bavail) * Number(stats.bsize)
    },
    close() {
      if (!mounted) return
      mounted = false
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' })
      } catch {
        // Busy (a file still open): detach lazily so the test run does not leave a mount behind.
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return disk
}

const PAGE = 4096

/**
 * tmpfs allocates whole pages, so a file's partly used last page still takes small appends on a
 * full disk. This appends one padding meta entry through the store so that its journal ends on a
 * page boundary: the next append then needs a page the full disk does not have. Call it right
 * before `fill()`, with nothing else writing.
 */
export async function useUpJournalSlack(store: { setMeta(key: string, value: string): Promise<void> }, journalFile: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await store.setMeta('test_padding', '')
    const before = statSync(journalFile).size
    await store.setMeta('test_padding', 'x')
    const after = statSync(journalFile).size
    // The line with n padding characters is (after − before − 1 + n) bytes long.
    const line = after - before - 1
    const n = (PAGE - ((after + line) % PAGE)) % PAGE
    await store.setMeta('test_padding', 'x'.repeat(n))
    if (statSync(journalFile).size % PAGE === 0) return
  }
  throw new Error(`could not align ${journalFile} to a page boundary (something else is writing)`)
}
