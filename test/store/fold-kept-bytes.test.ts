import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cold, jsonOf } from '../../src/store/cold.js'
import { KEY_OF, type Collection } from '../../src/store/document.js'
import { Folds } from '../../src/store/folds.js'
import type { Journal } from '../../src/store/journal.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { StoreState } from '../../src/store/state.js'
import { writeSnapshot } from '../../src/store/snapshot-file.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { transaction } from './records.js'

const dirs: string[] = []
const stores: LowdbStore[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-fold-bytes-'))
  dirs.push(dir)
  return dir
}

/** A small deterministic generator: the same changes each run. */
function random(seed: number) {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

/** Descriptions with what a text can hold: ASCII, characters of 2, 3 and 4 UTF-8 bytes, a lone surrogate, escapes. */
const DESCRIPTIONS = ['T-shirt', 'Malipo ya é', 'Ada € 100', 'Zawadi 😀', 'broken \ud800 half', 'quote " and \\ and \n', 'x'.repeat(3000)]

const collections = () => Object.keys(KEY_OF) as Collection[]

describe('a fold that copies kept texts as bytes writes the snapshot byte for byte as one that makes every text', () => {
  it('over many folds, with records changed, removed and added during each (between any two records it reads)', async () => {
    const dir = tempDir()
    const state = new StoreState()
    const next = random(7)
    let serial = 0
    const newRecord = () => {
      const id = `t${serial++}`
      const finished = next() < 0.2
      const record = transaction(id, { description: DESCRIPTIONS[Math.floor(next() * DESCRIPTIONS.length)], amount: Math.floor(next() * 10_000) / 100, ...(finished ? { status: 'success' } : {}) })
      // Some records are text already (cold): written from their own text, never kept again.
      return finished ? cold('transactions', JSON.stringify(record), record as unknown as Record<string, unknown>) : record
    }
    const table = state.tables.transactions
    for (let i = 0; i < 3000; i++) {
      const record = newRecord()
      table.put((record as { id: string }).id, record as never)
    }
    // Keys to change, taken again before each fold (one gone meanwhile is put back as a new record, or not found).
    let keys: string[] = []
    const change = () => {
      const roll = next()
      const key = keys[Math.floor(next() * keys.length)]
      if (roll < 0.4 && key) table.put(key, transaction(key, { description: DESCRIPTIONS[Math.floor(next() * DESCRIPTIONS.length)], result_desc: `v${serial++}` }) as never)
      else if (roll < 0.6 && key) table.delete(key)
      else {
        const record = newRecord()
        table.put((record as { id: string }).id, record as never)
      }
    }
    const folds = new Folds(join(dir, 'gateway.json'), undefined as unknown as Journal, 0, () => undefined)
    for (let fold = 0; fold < 6; fold++) {
      // What the snapshot must hold: every record as it is now, each made into its text.
      const expected = new Map<Collection, string[]>(collections().map((c) => [c, [...state.tables[c].values()].map((r) => jsonOf(r as object))]))
      keys = [...table.values()].map((r) => (r as { id: string }).id)
      const views = folds.views(state)
      const reads = { n: 0 }
      const source = {
        ...views,
        cursor: (c: Collection) => {
          const inner = views.cursor(c)
          return () => {
            const text = inner()
            // Changes land after a record's text is handed out and before the writer copies it.
            if (fold > 0 && ++reads.n % 7 === 0) for (let k = 0; k < 3; k++) change()
            return text
          }
        },
      }
      const file = join(dir, `fold-${fold}.json`)
      try {
        await writeSnapshot(file, source)
      } finally {
        views.close()
      }
      const reference = join(dir, `reference-${fold}.json`)
      await writeSnapshot(reference, {
        meta: state.meta,
        nextEventSeq: state.nextEventSeq,
        cursor: (c) => {
          const texts = expected.get(c)!
          let i = 0
          return () => texts[i++]
        },
      })
      expect(readFileSync(file).equals(readFileSync(reference))).toBe(true)
    }
    // The later folds did copy kept texts (not all made again), and still wrote the same bytes.
    expect(table.keptBytes).toBeGreaterThan(0)
  })

  it('a store folded again with nothing changed writes the same bytes; after changes, a fold with writes going on loses nothing', async () => {
    const dir = tempDir()
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo })
    stores.push(store)
    await store.open()
    for (let i = 0; i < 2000; i++) await store.insertTransaction(transaction(`p${i}`, { description: DESCRIPTIONS[i % DESCRIPTIONS.length] }))
    await store.fold()
    const made = readFileSync(file)
    await store.fold()
    // The second fold copied every pending payment's kept bytes.
    expect(readFileSync(file).equals(made)).toBe(true)
    // Writes while a fold runs: each acknowledged one is in the store after it reopens.
    const folding = store.fold()
    const writes = Array.from({ length: 300 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i % 20))
      await store.transition({ transactionId: `p${i * 3}`, guard: () => true, patch: () => ({ status: 'success', result_desc: `paid ${i} é` }) })
      await store.insertTransaction(transaction(`n${i}`, { description: DESCRIPTIONS[i % DESCRIPTIONS.length] }))
    })
    await Promise.all([folding, ...writes])
    await store.fold()
    const settled = readFileSync(file)
    await store.fold()
    expect(readFileSync(file).equals(settled)).toBe(true)
    await store.close()
    stores.pop()
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    stores.push(reopened)
    await reopened.open()
    for (let i = 0; i < 2000; i++) {
      const t = (await reopened.getTransaction(`p${i}`))!
      expect(t.description).toBe(DESCRIPTIONS[i % DESCRIPTIONS.length])
      expect(t.status).toBe(i % 3 === 0 && i / 3 < 300 ? 'success' : 'pending')
    }
    for (let i = 0; i < 300; i++) expect((await reopened.getTransaction(`n${i}`))?.description).toBe(DESCRIPTIONS[i % DESCRIPTIONS.length])
  })
})
