import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp-dir.js'

const run = promisify(execFile)
const script = join(import.meta.dirname, '../../scripts/store-measure.mjs')

/** The bench's fold probe (scripts/store-measure.mjs, against dist/), in a fresh process, on a small store. */
async function measuredFold(file: string, ...hold: string[]): Promise<{ foldHeldMs: number; idleHeldMs: number; foldGapMs: number }> {
  const { stdout } = await run(process.execPath, ['--expose-gc', script, '--child', file, ...hold], { encoding: 'utf8' })
  return JSON.parse(stdout)
}

// fold_max_stall_ms counts only what holds the loop (not the timer's lateness while the loop
// sleeps, nor waiting for a CPU): a stall of the loop during a fold must still show in full.
describe('the fold stall probe (bench fold_max_stall_ms)', () => {
  let file: string
  beforeAll(async () => {
    file = join(tempDir('mpg-fold-probe-'), 'gateway.json')
    await run(process.execPath, [script, '--fill', file, '300'], { encoding: 'utf8' })
  }, 60_000)

  it('sees the loop held 10 ms by JavaScript during a fold as at least 10 ms', async () => {
    const measured = await measuredFold(file, '--busy-ms', '10')
    expect(measured.foldHeldMs).toBeGreaterThanOrEqual(10)
  }, 60_000)

  it('sees the loop held 10 ms asleep in a synchronous call (off the CPU, as a sync file write) as at least 10 ms', async () => {
    const measured = await measuredFold(file, '--blocked-ms', '10')
    expect(measured.foldHeldMs).toBeGreaterThanOrEqual(10)
  }, 60_000)
})
