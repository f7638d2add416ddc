import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Journal, readJournal, type JournalEntry } from '../../src/store/journal.js'
import { journalText } from '../helpers/store-file.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('journal lines', () => {
  it('an append writes one JSON line per entry, whole records as {"c":…,"r":…}, non-ASCII text included, and reads back the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-journal-lines-'))
    dirs.push(dir)
    const file = join(dir, 'gateway.journal')
    const journal = new Journal(file)
    await journal.open()
    const entries: JournalEntry[] = [
      { m: { version: '1' }, s: 1 },
      { c: 'transactions', r: { id: 't1', description: 'Malipo — ✓ "quoted" \\ \u2028', amount: 100, payout: null } },
      { c: 'transactions', k: 't1', p: { status: 'success', result_desc: 'Imekamilika ✓' }, u: ['completed_at'] },
      { c: 'idempotency', d: 'acc:test:key-1' },
    ]
    await journal.append(entries.slice(0, 2))
    await journal.append(entries.slice(2))
    const text = journalText(file)
    expect(text).toBe(
      [
        '{"m":{"version":"1"},"s":1}',
        '{"c":"transactions","r":{"id":"t1","description":"Malipo — ✓ \\"quoted\\" \\\\ \u2028","amount":100,"payout":null}}',
        '{"c":"transactions","k":"t1","p":{"status":"success","result_desc":"Imekamilika ✓"},"u":["completed_at"]}',
        '{"c":"idempotency","d":"acc:test:key-1"}',
        '',
      ].join('\n'),
    )
    expect(journal.size()).toBe(Buffer.byteLength(text))
    const read = await readJournal(file)
    expect(read.entries).toEqual(entries)
    expect(read.torn.length).toBe(0)
  })
})
