import { open, rm } from 'node:fs/promises'

/**
 * Bytes freed per step when a large file is removed (removeGradually). 8 MiB, not less: with 2 MiB
 * steps a fold of 48,000 payments held the event loop 7-9 ms (4 MiB: 4.2, 8 MiB: 3.7-4.1, at once:
 * 4.1; scripts/store-measure.mjs, same build), and a commit discarding 8 MiB still takes ~1-2 ms.
 */
const STEP_BYTES = 8 * 1024 * 1024
/** Time between two steps: the journal's appends (every acknowledgment) commit in between. */
const STEP_PAUSE_MS = 10

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Removes a file a slice at a time (truncated from its end, STEP_BYTES per step, then unlinked),
 * for the files a fold leaves behind (the old snapshot and the rotated journal, 50-150 MB
 * together). Freeing a file's blocks is journalled like any metadata change: on ext4 one unlink of
 * 80 MB frees every extent in one journal transaction, and with the `discard` mount option (usual
 * on cloud VMs) the commit also discards them all on the device. Every durable append (each
 * acknowledgment) waits for that commit, and a synchronous write on the main thread (a log line to
 * a file) can wait for its journal handle: tens of ms here at best, seconds when the device is
 * slow to discard. A slice at a time, each commit carries a couple of MB.
 *
 * Only for a file nothing will read again (the caller renamed it out of the way first: a crash
 * mid-way leaves a shortened file under a name start-up removes). Any failure falls back to one
 * removal.
 */
export async function removeGradually(file: string): Promise<void> {
  try {
    const handle = await open(file, 'r+')
    try {
      let size = (await handle.stat()).size
      while (size > STEP_BYTES) {
        size -= STEP_BYTES
        await handle.truncate(size)
        await pause(STEP_PAUSE_MS)
      }
    } finally {
      await handle.close()
    }
  } catch {
    // Removed below in one go, as before.
  }
  await rm(file, { force: true })
}
