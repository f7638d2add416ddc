import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDocument } from '../../src/store/document.js'
import { Journal, readJournal, readRotatedJournal, type JournalEntry } from '../../src/store/journal.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { journalText } from '../helpers/store-file.js'
import { tempDir } from '../helpers/temp-dir.js'
import { transaction } from './records.js'

const line = (entry: JournalEntry) => `${JSON.stringify(entry)}\n`
const meta = (s: number): JournalEntry => ({ m: { version: String(s) }, s })
const nul = (n: number) => Buffer.alloc(n)

// A running journal writes NUL bytes past its lines, where the next appends go (src/store/journal.ts):
// what a crash leaves there, and what a restart makes of it.
describe('room written ahead of the journal appends', () => {
  it('a journal that ends in room (a crash or a kill while running) replays its lines, keeps nothing aside, and the next append follows the last line', async () => {
    const dir = tempDir('mpg-journal-room-')
    const file = join(dir, 'gateway.journal')
    writeFileSync(file, Buffer.concat([Buffer.from(line(meta(1)) + line(meta(2))), nul(8192)]))
    const journal = new Journal(file)
    expect(await journal.open()).toEqual([meta(1), meta(2)])
    await journal.append([meta(3)])
    expect(journalText(file)).toBe(line(meta(1)) + line(meta(2)) + line(meta(3)))
    await journal.close()
    expect(readdirSync(dir)).toEqual(['gateway.journal'])
    // Stopped: the file is its lines, nothing more.
    expect(readFileSync(file, 'utf8')).toBe(line(meta(1)) + line(meta(2)) + line(meta(3)))
  })

  it('what a torn append left past the lines — a partial line, then room, then a later block of it — is kept aside whole and cut; no line of it is replayed', async () => {
    const dir = tempDir('mpg-journal-room-')
    const file = join(dir, 'gateway.journal')
    // A crash mid-write can leave a later block of an append on disk and not an earlier one: here
    // a whole line sits after the NUL bytes of the block that never reached the disk.
    const tornStart = '{"c":"transactions","r":{"id":"torn","acc'
    const laterBlock = line(meta(99))
    writeFileSync(file, Buffer.concat([Buffer.from(line(meta(1)) + tornStart), nul(4096), Buffer.from(laterBlock), nul(4096)]))
    const read = await readJournal(file)
    expect(read.entries).toEqual([meta(1)])
    expect(read.goodBytes).toBe(Buffer.byteLength(line(meta(1))))
    const warnings: Array<Record<string, unknown>> = []
    const journal = new Journal(file, (message, fields) => warnings.push({ message, ...fields }))
    expect(await journal.open()).toEqual([meta(1)])
    const aside = readdirSync(dir).filter((f) => f.startsWith('gateway.journal.torn-'))
    expect(aside).toHaveLength(1)
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe(tornStart + '\0'.repeat(4096) + laterBlock)
    expect(warnings).toContainEqual(expect.objectContaining({ message: 'store.torn_line_kept' }))
    // Cut back to the lines: the later block cannot turn up behind the next appends.
    expect(statSync(file).size).toBe(Buffer.byteLength(line(meta(1))))
    await journal.append([meta(2)])
    await journal.close()
    expect((await readJournal(file)).entries).toEqual([meta(1), meta(2)])
  })

  it('a journal of room alone (created, then a crash before its first line) is empty, not foreign', async () => {
    const dir = tempDir('mpg-journal-room-')
    const file = join(dir, 'gateway.journal')
    writeFileSync(file, nul(4096))
    const journal = new Journal(file)
    expect(await journal.open()).toEqual([])
    await journal.append([meta(1)])
    await journal.close()
    expect(readFileSync(file, 'utf8')).toBe(line(meta(1)))
  })

  it('a rotated journal that ends in room is whole (a fold a crash interrupted)', async () => {
    const dir = tempDir('mpg-journal-room-')
    const file = join(dir, 'gateway.journal.1')
    writeFileSync(file, Buffer.concat([Buffer.from(line(meta(1))), nul(4096)]))
    expect((await readRotatedJournal(file)).entries).toEqual([meta(1)])
    writeFileSync(file, Buffer.concat([Buffer.from(line(meta(1)) + '{"m":'), nul(4096)]))
    await expect(readRotatedJournal(file)).rejects.toThrow(/partial line/)
  })

  it('a store written through many appends and folds, killed without close (its journal ending in room), restarts to exactly what it acknowledged', async () => {
    const dir = tempDir('mpg-journal-room-')
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo, foldMinBytes: 64 * 1024 })
    await store.open()
    const ids: string[] = []
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 20 }, (_, i) => `txn_${round}_${i}`)
      await Promise.all(batch.map((id) => store.insertTransaction(transaction(id, { description: 'd'.repeat(500) }))))
      ids.push(...batch)
    }
    // No fold in progress while the files are copied (a copy is not atomic), then appends after it.
    await store.fold()
    for (let i = 0; i < 5; i++) {
      await store.insertTransaction(transaction(`tail_${i}`))
      ids.push(`tail_${i}`)
    }
    // What a kill leaves: the files as they are now, the running store's room included.
    const killed = join(tempDir('mpg-journal-room-'), 'gateway.json')
    for (const name of readdirSync(dir)) writeFileSync(join(killed, '..', name), readFileSync(join(dir, name)))
    await store.close()
    const { doc, journal } = await loadDocument(killed)
    expect(journal.torn.length).toBe(0)
    expect(doc.transactions.map((t) => t.id).sort()).toEqual([...ids].sort())
    const reopened = new LowdbStore(killed, { deliverTo: deliversTo })
    await reopened.open()
    await reopened.insertTransaction(transaction('after'))
    await reopened.close()
    expect((await loadDocument(killed)).doc.transactions).toHaveLength(ids.length + 1)
  })
})
