import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDocument } from '../../src/store/document.js'
import { StorageError } from '../../src/store/errors.js'
import { decodePieces, PIECE_BYTES } from '../../src/store/snapshot-file.js'
import { DEFAULT_MAX_BYTES, LowdbStore } from '../../src/store/lowdb-store.js'
import { transaction } from './records.js'

/** V8's longest string on 64-bit Node 20 (2^29 − 24 characters): no string the store builds may come near it. */
const V8_MAX_STRING_LENGTH = 2 ** 29 - 24

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('a store that grows towards the largest JSON string', () => {
  it('the real ceiling is 384 MiB, and start-up never decodes the snapshot as one string (pieces of whole lines, each far below the string limit)', () => {
    expect(DEFAULT_MAX_BYTES).toBe(384 * 1024 * 1024)
    // Every change stops at 1.5× the ceiling: past V8's longest string, so the snapshot is read in pieces.
    expect(DEFAULT_MAX_BYTES * 1.5).toBeGreaterThan(V8_MAX_STRING_LENGTH)
    expect(PIECE_BYTES).toBeLessThan(V8_MAX_STRING_LENGTH / 8)
    expect(() => 'x'.repeat(V8_MAX_STRING_LENGTH + 1)).toThrow(RangeError)
    const lines = Array.from({ length: 50 }, (_, i) => `{"id":"r${i}","note":"ü${'x'.repeat(i)}"}\n`)
    const bytes = Buffer.from(`header\n${lines.join('')}`)
    const split = bytes.indexOf('{"id":"r20"')
    const pieces = decodePieces(bytes, split, 200)
    expect(pieces.join('')).toBe(bytes.toString('utf8'))
    expect(pieces.length).toBeGreaterThan(5)
    for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true)
    expect(pieces.some((piece) => piece.startsWith('{"id":"r20"'))).toBe(true)
    expect(Math.max(...pieces.map((piece) => Buffer.byteLength(piece)))).toBeLessThanOrEqual(200)
  })

  it('refuses new work past its ceiling with a clear error, loses no acknowledged write, and lets accepted work finish', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-ceiling-'))
    dirs.push(dir)
    const file = join(dir, 'gateway.json')
    // A 64 KiB ceiling stands in for the real one (the same code path, cheaper to reach); folds
    // happen along the way (at 16 KiB), so the snapshot is rewritten as it grows.
    const options = { deliverTo: deliversTo, maxBytes: 64 * 1024, foldMinBytes: 16 * 1024 }
    const store = new LowdbStore(file, options)
    await store.open()
    const acknowledged: string[] = []
    let refusal: unknown
    for (let i = 0; i < 1000 && !refusal; i++) {
      try {
        await store.insertTransaction(transaction(`t${i}`))
        acknowledged.push(`t${i}`)
      } catch (error) {
        refusal = error
      }
    }
    expect(refusal).toBeInstanceOf(StorageError)
    expect((refusal as StorageError).reason).toBe('full')
    expect((refusal as Error).message).toMatch(/gateway\.json holds \d+ KiB, past its 64 KiB ceiling .* takes no new work/)
    expect((refusal as StorageError).hint).toMatch(/PostgreSQL store|archive/)
    expect(acknowledged.length).toBeGreaterThan(20)
    // Not failed: reads work, and a payment already accepted can still finish, with its event.
    expect(store.failure()).toBeUndefined()
    const finished = await store.transition({
      transactionId: acknowledged[0],
      guard: (t) => t.status === 'pending',
      patch: () => ({ status: 'success' }),
      events: (t) => [{ event: 'payment.success', data: { transaction_id: t.id } }],
    })
    expect(finished?.transaction.status).toBe('success')
    await store.close()

    const { doc } = await loadDocument(file)
    expect(doc.transactions.map((t) => t.id)).toEqual(acknowledged)
    expect(doc.events).toHaveLength(1)
    // After a restart the ceiling is measured from the files: a fold may have saved the journal's
    // overhead (a few payments' worth), never more.
    const reopened = new LowdbStore(file, options)
    await reopened.open()
    let more = 0
    while (more < 100 && (await reopened.insertTransaction(transaction(`more${more}`)).then(() => true, () => false))) more++
    expect(more).toBeLessThan(acknowledged.length / 5)
    await expect(reopened.insertTransaction(transaction('after'))).rejects.toThrow(StorageError)
    expect((await reopened.getTransaction(acknowledged.at(-1)!))?.id).toBe(acknowledged.at(-1))
    await reopened.close()
  })
})
