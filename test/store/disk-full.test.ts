import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDocument } from '../../src/store/document.js'
import { StorageError } from '../../src/store/errors.js'
import { readJournal } from '../../src/store/journal.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { mountSmallDisk, smallDiskUnavailable, useUpJournalSlack, type SmallDisk } from '../helpers/small-disk.js'
import { transaction } from './records.js'

const unavailable = smallDiskUnavailable()
let disk: SmallDisk | undefined
const stores: LowdbStore[] = []

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  disk?.close()
  disk = undefined
})

async function openOnSmallDisk(): Promise<{ store: LowdbStore; file: string; journal: string }> {
  disk = mountSmallDisk()
  const dir = join(disk.dir, 'data')
  mkdirSync(dir)
  const file = join(dir, 'gateway.json')
  const store = new LowdbStore(file, { deliverTo: deliversTo })
  stores.push(store)
  await store.open()
  return { store, file, journal: join(dir, 'gateway.journal') }
}

describe.skipIf(unavailable)('a full disk (a real 2 MiB tmpfs)', () => {
  it('a failed append is cut back to the last whole line, and the store becomes failed: no read or write is answered from memory', async () => {
    const { store, file, journal } = await openOnSmallDisk()
    await store.insertTransaction(transaction('kept'))
    await useUpJournalSlack(store, journal)
    const before = statSync(journal).size
    disk!.fill()

    const failed = store.insertTransaction(transaction('lost', { description: 'x'.repeat(6000) }))
    await expect(failed).rejects.toThrow(StorageError)
    await expect(failed).rejects.toThrow(/ENOSPC/)
    // All-or-nothing: the part of the line that fit on the disk was removed again.
    expect(statSync(journal).size).toBe(before)
    // Failed: memory may hold what the disk does not, so nothing is answered from it any more.
    await expect(store.getTransaction('kept')).rejects.toThrow(/ENOSPC/)
    await expect(store.getTransaction('lost')).rejects.toThrow(StorageError)
    await expect(store.insertTransaction(transaction('later'))).rejects.toThrow(StorageError)
    expect((await store.whenFailed()).message).toContain(journal)
    expect(store.failure()).toBeInstanceOf(StorageError)

    // Restarted with room again: exactly what was acknowledged, and the journal takes appends.
    disk!.free()
    await store.close()
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    stores.push(reopened)
    await reopened.open()
    expect((await reopened.getTransaction('kept'))?.id).toBe('kept')
    expect(await reopened.getTransaction('lost')).toBeUndefined()
    await reopened.insertTransaction(transaction('after'))
    await reopened.close()
    const { torn } = await readJournal(journal)
    expect(torn.length).toBe(0)
    expect((await loadDocument(file)).doc.transactions.map((t) => t.id)).toEqual(['kept', 'after'])
  })

  it('an Idempotency-Key whose claim failed to write is free again after the restart (never "in progress" for ever)', async () => {
    const { store, file, journal } = await openOnSmallDisk()
    await useUpJournalSlack(store, journal)
    disk!.fill()
    const claim = { scope: 'acct_1:test:order-42', fingerprint: 'f', state: 'in_flight' as const, status_code: null, response: null, transaction_id: 'p', created_at: new Date().toISOString() }
    await expect(store.insertTransaction(transaction('p', { description: 'x'.repeat(6000) }), { idempotency: claim })).rejects.toThrow(StorageError)
    disk!.free()
    await store.close()
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    stores.push(reopened)
    await reopened.open()
    expect(await reopened.getIdempotency(claim.scope)).toBeUndefined()
    expect(await reopened.insertTransaction(transaction('p2'), { idempotency: { ...claim, transaction_id: 'p2' } })).toEqual({})
  })

  it('a payment whose settle failed to write is never skipped in silence: the passes fail loudly, and after the restart the reconciler lists it and settles it', async () => {
    const { store, file, journal } = await openOnSmallDisk()
    const old = new Date(Date.now() - 60_000).toISOString()
    await store.insertTransaction(transaction('p', { created_at: old }))
    await useUpJournalSlack(store, journal)
    disk!.fill()
    const settle = (s: LowdbStore, description: string) =>
      s.transition({ transactionId: 'p', guard: (t) => t.status === 'pending', patch: () => ({ status: 'success', description }), events: () => [{ event: 'payment.success', data: {} }] })
    await expect(settle(store, 'x'.repeat(6000))).rejects.toThrow(StorageError)
    // Not a skip that would look like "nothing due": the reconciler's and the payout pass's reads refuse.
    await expect(store.listPendingTransactions(new Date().toISOString())).rejects.toThrow(StorageError)
    await expect(store.claimDuePayouts('me', 60_000, 10)).rejects.toThrow(StorageError)
    await expect(store.claimDueDeliveries('me', 60_000, 10)).rejects.toThrow(StorageError)

    disk!.free()
    await store.close()
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    stores.push(reopened)
    await reopened.open()
    expect((await reopened.listPendingTransactions(new Date().toISOString())).map((t) => t.id)).toEqual(['p'])
    expect((await settle(reopened, 'settled'))?.events).toHaveLength(1)
    expect(await reopened.listPendingTransactions(new Date().toISOString())).toEqual([])
    expect((await reopened.listAllEventsAfter(0, 10)).map((e) => e.event)).toEqual(['payment.success'])
  })

  it('a fold that cannot write its snapshot loses nothing and leaves no temp file', async () => {
    disk = mountSmallDisk()
    const dir = join(disk.dir, 'data')
    mkdirSync(dir)
    const file = join(dir, 'gateway.json')
    const warnings: string[] = []
    const store = new LowdbStore(file, { deliverTo: deliversTo, foldMinBytes: 64 * 1024, warn: (message) => warnings.push(message) })
    stores.push(store)
    await store.open()
    // 100 KiB free: room for the journal (~85 KiB), not for the journal and a snapshot as large.
    writeFileSync(join(disk.dir, '.filler'), Buffer.alloc(disk.freeBytes() - 100 * 1024))
    for (let i = 0; i < 60; i++) await store.insertTransaction(transaction(`t${i}`, { description: 'y'.repeat(900) }))
    // The fold writes in the background while appends go on; close waits for it.
    await store.close()
    expect(warnings).toContain('store.fold_failed')
    expect(existsSync(file)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    expect(store.failure()).toBeUndefined()
    expect((await loadDocument(file)).doc.transactions).toHaveLength(60)
  })
})
