import { readFileSync, stat } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Collection } from '../../src/store/document.js'
import { nextTurn, SLICE_BYTES, writeSnapshot } from '../../src/store/snapshot-file.js'
import { tempDir } from '../helpers/temp-dir.js'

describe('writing a snapshot (what a fold does beside the gateway)', () => {
  it(`lets the event loop turn after at most ${SLICE_BYTES / 1024} KiB of records, not once per write`, async () => {
    const file = join(tempDir('mpg-snapshot-write-'), 'gateway.json')
    const texts = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: `evt_${i}`, pad: 'x'.repeat(1000) }))
    // Counts turns of the event loop while the snapshot is written (one per check phase).
    let turns = 0
    let counting = true
    const count = () => {
      turns++
      if (counting) setImmediate(count)
    }
    setImmediate(count)
    // Bytes of records handed out between two turns: what one synchronous slice of the fold fills.
    let slice = 0
    let widest = 0
    let seen = -1
    const cursor = (c: Collection) => {
      let i = 0
      return () => {
        if (c !== 'events' || i >= texts.length) return undefined
        if (turns !== seen) {
          seen = turns
          slice = 0
        }
        slice += texts[i].length + 2
        widest = Math.max(widest, slice)
        return texts[i++]
      }
    }
    try {
      await writeSnapshot(file, { meta: {}, nextEventSeq: 2001, cursor })
    } finally {
      counting = false
    }
    expect(widest).toBeLessThanOrEqual(SLICE_BYTES + texts[0].length + 2)
    // What was written is the whole store, every record once.
    const doc = JSON.parse(readFileSync(file, 'utf8'))
    expect(doc.events).toHaveLength(2000)
    expect(doc.events.at(-1).id).toBe('evt_1999')
    expect(doc.next_event_seq).toBe(2001)
  })

  it('a turn of its own taken after a write (in the I/O phase) lets a timer that is due run first', async () => {
    const order: string[] = []
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => order.push('timer'), 0)
      // An I/O callback, as a write's end; the timer is due (its 1 ms has passed) before it returns.
      stat(import.meta.filename, (error) => {
        if (error) return reject(error)
        const from = Date.now()
        while (Date.now() - from < 3);
        nextTurn().then(() => {
          order.push('turned')
          clearTimeout(timer)
          resolve()
        }, reject)
      })
    })
    expect(order).toEqual(['timer', 'turned'])
  })
})
