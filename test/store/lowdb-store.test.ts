import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDocument } from '../../src/store/document.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import type { TransactionRecord } from '../../src/store/records.js'
import { KEPT_SLAB_BYTES } from '../../src/store/kept-texts.js'
import { Table, type RecordText } from '../../src/store/table.js'
import { transaction } from './records.js'
import { journalText } from '../helpers/store-file.js'

const fileOf = (dir: string) => join(dir, 'gateway.json')

// Every store is closed (its journal's file handle with it) and every directory removed after each test.
const opened: LowdbStore[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempStoreDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-store-'))
  dirs.push(dir)
  return dir
}
const newStore = (...args: ConstructorParameters<typeof LowdbStore>) => {
  const store = new LowdbStore(...args)
  opened.push(store)
  return store
}
const readDoc = async (dir: string) => (await loadDocument(fileOf(dir))).doc

describe('LowdbStore (a real JSON file, explicit adapter)', () => {
  it('a resolved write is on disk, and survives reopening', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('a'))
    expect((await readDoc(dir)).transactions.map((t) => t.id)).toEqual(['a'])
    await store.close()
    const reopened = newStore(fileOf(dir), { deliverTo: deliversTo })
    await reopened.open()
    expect((await reopened.getTransaction('a'))?.id).toBe('a')
    expect((await reopened.findTransactionByCheckoutRequestId('ws_CO_a'))?.id).toBe('a')
    expect((await reopened.findTransactionByCallbackToken('tok_a'))?.id).toBe('a')
  })

  it('500 concurrent writes all land, each acknowledged only once it is in the file', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    const seenOnDisk: boolean[] = []
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        store.insertTransaction(transaction(`t${i}`)).then(async () => {
          seenOnDisk.push((await readDoc(dir)).transactions.some((t) => t.id === `t${i}`))
        }),
      ),
    )
    expect(seenOnDisk).toHaveLength(500)
    expect(seenOnDisk.every(Boolean)).toBe(true)
    expect((await readDoc(dir)).transactions).toHaveLength(500)
    // Snapshot and journal only: no temp file left behind.
    expect(readdirSync(dir).filter((f) => f !== 'gateway.json' && f !== 'gateway.journal')).toEqual([])
    await store.close()
  })

  it('a read answers at once for a record already on disk, and waits for one whose change is not written yet', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('old'))
    const inJournal = (id: string) => readFileSync(join(dir, 'gateway.journal'), 'utf8').includes(`"id":"${id}"`)
    // 'new' is in memory now; its append has not started (a flush begins after this turn).
    const writing = store.insertTransaction(transaction('new'))
    const seen: Array<[string, boolean]> = []
    await Promise.all([
      writing,
      store.getTransaction('old').then((t) => seen.push([`read ${t?.id}`, inJournal('new')])),
      store.getTransaction('new').then((t) => seen.push([`read ${t?.id}`, inJournal('new')])),
      store.getTransaction('never').then((t) => seen.push([`read ${t?.id}`, inJournal('new')])),
    ])
    // 'old' (on disk) and 'never' (never stored) are answered before the flush; 'new' only once it is on disk.
    expect(seen).toEqual([
      ['read old', false],
      ['read undefined', false],
      ['read new', true],
    ])
  })

  it('a read that waited for a flush does not answer a change made to its record during that flush before it is written', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('x'))
    const setStatus = (status: 'success' | 'failed', guard: (t: TransactionRecord) => boolean) => store.transition({ transactionId: 'x', guard, patch: () => ({ status }) })
    // A: in memory; its flush starts in this turn's check phase.
    const first = setStatus('failed', (t) => t.status === 'pending')
    // The read waits for A's flush.
    const read = store.getTransaction('x')
    // Past the microtasks that queue A's flush, one check phase later: A's flush has taken its
    // changes and its append is on the thread pool, not finished (that needs a poll phase).
    for (let i = 0; i < 20; i++) await Promise.resolve()
    await new Promise((resolve) => setImmediate(resolve))
    // B: a change to the same record while A is being written.
    const second = setStatus('success', (t) => t.status === 'failed')
    const onDisk = () => readDoc(dir).then((doc) => doc.transactions.find((t) => t.id === 'x')?.status)
    // What the read answered is what the disk held when it answered (the journal is read synchronously
    // in the read's own continuation, before anything else can be written).
    const seen = await read.then((t) => ({ answered: t?.status, journal: readFileSync(join(dir, 'gateway.journal'), 'utf8').includes('"status":"success"') }))
    expect(seen).toEqual({ answered: 'success', journal: true })
    expect(await onDisk()).toBe('success')
    expect((await first)?.transaction.status).toBe('failed')
    expect((await second)?.transaction.status).toBe('success')
  })

  it("an event list (a stream's replay) never shows an event whose write has not ended, though the flush it waited for has", async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('x'))
    const step = (status: 'success' | 'failed', guard: (t: TransactionRecord) => boolean) =>
      store.transition({ transactionId: 'x', guard, patch: () => ({ status }), events: (t) => [{ event: t.status === 'success' ? 'payment.success' : 'payment.failed', data: { transaction_id: t.id } }] })
    // The first event is in memory; its flush starts in this turn's check phase. The list answers at
    // once (it used to wait for that flush), without it: not written yet.
    const first = step('failed', (t) => t.status === 'pending')
    const list = store.listEventsAfter('acct_1', 'test', 0, 100)
    // Past the microtasks that queue that flush, one check phase later: its append is on the thread pool.
    for (let i = 0; i < 20; i++) await Promise.resolve()
    await new Promise((resolve) => setImmediate(resolve))
    // A second event while the first is being written: acknowledged (and published) after its own flush.
    const second = step('success', (t) => t.status === 'failed')
    const inJournal = (seq: number) => readFileSync(join(dir, 'gateway.journal'), 'utf8').includes(`"seq":${seq},`)
    // Read from the disk in the list's own continuation: every event it shows was written by then.
    const shown = await list.then((events) => events.map((e) => [e.event, inJournal(e.seq)]))
    expect(shown).toEqual([])
    await Promise.all([first, second])
    expect((await store.listEventsAfter('acct_1', 'test', 0, 100)).map((e) => e.event)).toEqual(['payment.failed', 'payment.success'])
  })

  it("an API key's last use is kept to the minute: a use less than a minute after the last one changes nothing", async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.createApiKey({ id: 'key_1', account_id: 'acct_1', mode: 'test', name: null, prefix: 'mpg_test_x', hash: 'h1', created_at: 'c', last_used_at: null, revoked_at: null })
    const lastUsed = async () => (await store.findApiKeyByHash('h1'))?.last_used_at
    const uses: Array<[string, string | null | undefined]> = []
    for (const at of [
      '2026-11-30T00:40:10.000Z', // first use
      '2026-11-30T00:40:59.900Z', // same minute
      '2026-11-30T00:41:05.000Z', // another minute, 55 s later
      '2026-11-30T00:41:10.001Z', // 60.001 s later
      '2026-11-30T00:42:09.000Z', // 59 s later
      '2026-11-30T01:42:09.000Z', // the same minute an hour later
    ]) {
      store.touchApiKey('key_1', at)
      uses.push([at, await lastUsed()])
    }
    expect(uses.map(([, kept]) => kept)).toEqual([
      '2026-11-30T00:40:10.000Z',
      '2026-11-30T00:40:10.000Z',
      '2026-11-30T00:40:10.000Z',
      '2026-11-30T00:41:10.001Z',
      '2026-11-30T00:41:10.001Z',
      '2026-11-30T01:42:09.000Z',
    ])
  })

  it('transition is a compare-and-set: of two racing finalisations exactly one applies, with its event', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('x'))
    const finalise = (status: 'success' | 'failed') =>
      store.transition({
        transactionId: 'x',
        guard: (t) => t.status === 'pending',
        patch: () => ({ status }),
        events: (t) => [{ event: t.status === 'success' ? 'payment.success' : 'payment.failed', data: { transaction_id: t.id } }],
      })
    const [a, b] = await Promise.all([finalise('success'), finalise('failed')])
    expect([a, b].filter(Boolean)).toHaveLength(1)
    expect((await readDoc(dir)).events).toHaveLength(1)
    expect((await store.getTransaction('x'))?.status).toBe('success')
  })

  it('lists newest first with a cursor, scoped to account and mode', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    for (const id of ['1', '2', '3']) await store.insertTransaction(transaction(id))
    await store.insertTransaction(transaction('other', { account_id: 'acct_2' }))
    await store.insertTransaction(transaction('live', { mode: 'live' }))
    const page = await store.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 2 })
    expect(page.data.map((t) => t.id)).toEqual(['3', '2'])
    expect(page.has_more).toBe(true)
    const next = await store.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 2, starting_after: '2' })
    expect(next).toEqual({ data: [expect.objectContaining({ id: '1' })], has_more: false })
  })

  it('returned records are immutable: no caller can change stored state, through a read, a result or its own input', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    const input = transaction('c', { payout: null })
    await store.insertTransaction(input)
    // The caller's own object stays the caller's: changing it later changes nothing stored.
    input.status = 'failed'
    const read = (await store.getTransaction('c'))!
    expect(() => {
      read.status = 'success'
    }).toThrow(TypeError)
    const result = (await store.transition({
      transactionId: 'c',
      guard: () => true,
      patch: () => ({ payout: { status: 'pending', type: 'mpesa', amount: 1, destination: { type: 'mpesa', phone: '254700000001' }, created_at: 'a', updated_at: 'a' } }),
      events: (t) => [{ event: 'payment.success', data: { transaction_id: t.id, nested: { n: 1 } } }],
    }))!
    expect(() => {
      result.transaction.payout!.status = 'failed'
    }).toThrow(TypeError)
    expect(() => {
      ;(result.events[0].data.nested as { n: number }).n = 2
    }).toThrow(TypeError)
    // A guard or patch is handed the stored record: it cannot change it in place either.
    await store.transition({
      transactionId: 'c',
      guard: (t) => {
        expect(() => Object.assign(t, { status: 'failed' })).toThrow(TypeError)
        return false
      },
      patch: () => ({}),
    })
    const again = (await store.getTransaction('c'))!
    expect(again.status).toBe('pending')
    expect(again.payout?.status).toBe('pending')
    expect((await store.getEvent(result.events[0].id))?.data).toEqual({ transaction_id: 'c', nested: { n: 1 } })
    // Reads hand out the stored record itself (no copy per read), which is why it must be frozen.
    expect(await store.getTransaction('c')).toBe(again)
    await store.close()
    const reopened = newStore(fileOf(dir), { deliverTo: deliversTo })
    await reopened.open()
    expect(Object.isFrozen(await reopened.getTransaction('c'))).toBe(true)
    expect((await reopened.getTransaction('c'))?.payout?.status).toBe('pending')
  })
})

describe('Idempotency-Key records', () => {
  it('are pruned after their 24 h life, but never while in flight', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    const old = new Date(Date.now() - 25 * 3600_000).toISOString()
    const base = { fingerprint: 'f', status_code: 201, response: {}, transaction_id: null }
    await store.saveIdempotency({ ...base, scope: 'a:test:old', state: 'done', created_at: old })
    await store.saveIdempotency({ ...base, scope: 'a:test:stuck', state: 'in_flight', created_at: old })
    await store.saveIdempotency({ ...base, scope: 'a:test:fresh', state: 'done', created_at: new Date().toISOString() })
    expect(await store.pruneIdempotency(new Date(Date.now() - 24 * 3600_000).toISOString())).toBe(1)
    expect(await store.getIdempotency('a:test:old')).toBeUndefined()
    expect(await store.getIdempotency('a:test:stuck')).toBeDefined()
    expect(await store.getIdempotency('a:test:fresh')).toBeDefined()
  })
})

describe('the journal', () => {
  it('a torn last line (a crash mid-append) is dropped; everything before it is kept', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('kept'))
    await store.close()
    appendFileSync(join(dir, 'gateway.journal'), '{"c":"transactions","r":{"id":"torn","acc')
    const reopened = newStore(fileOf(dir), { deliverTo: deliversTo })
    await reopened.open()
    expect((await reopened.getTransaction('kept'))?.id).toBe('kept')
    expect(await reopened.getTransaction('torn')).toBeUndefined()
    // The torn bytes are cut so the next append starts on a clean line.
    await reopened.insertTransaction(transaction('after'))
    await reopened.close()
    expect((await readDoc(dir)).transactions.map((t) => t.id)).toEqual(['kept', 'after'])
  })

  it('a corrupt line in the middle stops start-up with a clear message', async () => {
    const dir = tempStoreDir()
    writeFileSync(join(dir, 'gateway.journal'), '{"m":{},"s":1}\n{"c":"accounts","r":{"id":\n{"m":{},"s":1}\n')
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await expect(store.open()).rejects.toThrow(/journal .* is corrupt at line 2/)
  })

  it('is folded into the snapshot once it outgrows it, and replays to the same state', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo, foldMinBytes: 256 * 1024 })
    await store.open()
    await store.insertTransaction(transaction('hot'))
    // Each update appends only what changed: keep going until the journal folds.
    let updates = 0
    let previous = 0
    for (; updates < 20_000; updates++) {
      await store.transition({ transactionId: 'hot', guard: () => true, patch: () => ({ result_desc: `update ${updates}` }) })
      const size = statSync(join(dir, 'gateway.journal')).size
      if (size < previous) break
      previous = size
    }
    expect(previous).toBeGreaterThan(256 * 1024 - 10_000)
    expect(updates).toBeLessThan(20_000)
    for (let i = 0; i < 10; i++) {
      updates++
      await store.transition({ transactionId: 'hot', guard: () => true, patch: () => ({ result_desc: `update ${updates}` }) })
    }
    // The fold writes in the background; close waits for it.
    await store.close()
    const snapshot = JSON.parse(readFileSync(fileOf(dir), 'utf8')) as { transactions: TransactionRecord[] }
    expect(snapshot.transactions[0].result_desc).toMatch(/^update \d+$/)
    const reopened = newStore(fileOf(dir), { deliverTo: deliversTo })
    await reopened.open()
    expect((await reopened.getTransaction('hot'))?.result_desc).toBe(`update ${updates}`)
  })

  it('deletions are journalled too', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    const base = { fingerprint: 'f', state: 'done' as const, status_code: 201, response: {}, transaction_id: null, created_at: new Date().toISOString() }
    await store.saveIdempotency({ ...base, scope: 'a' })
    await store.saveIdempotency({ ...base, scope: 'b' })
    await store.deleteIdempotency('a')
    await store.close()
    const reopened = newStore(fileOf(dir), { deliverTo: deliversTo })
    await reopened.open()
    expect(await reopened.getIdempotency('a')).toBeUndefined()
    expect(await reopened.getIdempotency('b')).toBeDefined()
  })
})

describe('journal deltas and background folds', () => {
  const lines = (dir: string) =>
    journalText(join(dir, 'gateway.journal'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)

  it('a change journals only the fields that changed, and a removed field, and replays to the same record', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('d', { description: 'x'.repeat(2000), daraja_error: { status: 500, code: 'x', message: 'boom' } }))
    await store.transition({ transactionId: 'd', guard: () => true, patch: () => ({ result_desc: 'paid', daraja_error: undefined }) })
    const last = lines(dir).at(-1)!
    expect(last).toEqual({ c: 'transactions', k: 'd', p: { result_desc: 'paid' }, u: ['daraja_error'] })
    await store.close()
    const reopened = newStore(fileOf(dir), { deliverTo: deliversTo })
    await reopened.open()
    const t = (await reopened.getTransaction('d'))!
    expect(t.result_desc).toBe('paid')
    expect(t.description).toHaveLength(2000)
    expect('daraja_error' in t).toBe(false)
  })

  it('writes go on while a fold writes the snapshot, and every acknowledged one is there after reopening', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo, foldMinBytes: 32 * 1024 })
    await store.open()
    const written: string[] = []
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        await store.insertTransaction(transaction(`w${i}`, { description: 'z'.repeat(300) }))
        await store.transition({ transactionId: `w${i}`, guard: () => true, patch: () => ({ status: 'success' }) })
        written.push(`w${i}`)
      }),
    )
    await store.close()
    // The fold finished: no rotated journal and no temp file left.
    expect(readdirSync(dir).sort()).toEqual(['gateway.journal', 'gateway.json'])
    const doc = await readDoc(dir)
    expect(doc.transactions).toHaveLength(400)
    expect(doc.transactions.every((t) => t.status === 'success')).toBe(true)
    expect(written).toHaveLength(400)
  })

  it('a fold asked for while writes are in flight (as at close) fails nothing, and every write is there after reopening', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('first'))
    const writes = Array.from({ length: 300 }, async (_, i) => {
      // Spread over several turns of the event loop, so appends run while the fold rotates the journal.
      await new Promise((resolve) => setTimeout(resolve, i % 30))
      await store.insertTransaction(transaction(`f${i}`))
      await store.transition({ transactionId: `f${i}`, guard: () => true, patch: () => ({ status: 'success' }) })
    })
    const folds = [store.fold(), new Promise((resolve) => setTimeout(resolve, 10)).then(() => store.fold())]
    await Promise.all([...writes, ...folds])
    expect(store.failure()).toBeUndefined()
    await store.close()
    const doc = await readDoc(dir)
    expect(doc.transactions).toHaveLength(301)
    expect(doc.transactions.filter((t) => t.status === 'success')).toHaveLength(300)
  })

  it('a fold frees the old snapshot and rotated journal a slice at a time under names start-up removes: a crash meanwhile loses nothing', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo, foldMinBytes: 2 ** 40 })
    await store.open()
    // ~40 MB: freed in several steps (remove-gradually.ts frees 8 MiB a step), long enough to be seen.
    const big = { description: 'y'.repeat(28_000) }
    for (let i = 0; i < 1500; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => store.insertTransaction(transaction(`old${i + j}`, big))))
    await store.fold()
    for (let i = 0; i < 1500; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => store.insertTransaction(transaction(`new${i + j}`, big))))
    const oldSnapshot = statSync(fileOf(dir))
    expect(oldSnapshot.size).toBeGreaterThan(40 * 1024 * 1024)
    // A copy of the directory taken while the fold frees the old files, as a crash would leave it.
    const crashed = tempStoreDir()
    let sawAside = false
    const fold = store.fold()
    const writes = Array.from({ length: 200 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 2))
      await store.insertTransaction(transaction(`during${i}`))
    })
    // The fold removes the temp files while this looks at them: one gone between listing it and
    // reading it is skipped (as if the crash came a moment later), never an ENOENT failing the test.
    const sizeOf = (n: string) => {
      try {
        return statSync(join(dir, n)).size
      } catch {
        return undefined
      }
    }
    const copy = (n: string) => {
      try {
        writeFileSync(join(crashed, n), readFileSync(join(dir, n)))
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
        throw error
      }
    }
    for (let copied = false; !copied; ) {
      const names = readdirSync(dir)
      const aside = names.filter((n) => n.endsWith('.tmp'))
      // The new snapshot is in place (the old one only has its second name) and the old one is being shortened.
      if (aside.length > 0 && statSync(fileOf(dir)).ino !== oldSnapshot.ino && aside.some((n) => (sizeOf(n) ?? Infinity) < oldSnapshot.size)) {
        // The temp files first (they are the ones going away), then the snapshot and the journal.
        if (aside.map(copy).some(Boolean)) {
          for (const n of names.filter((x) => !x.endsWith('.tmp'))) copy(n)
          sawAside = copied = true
        } else for (const n of readdirSync(crashed)) rmSync(join(crashed, n))
      } else await new Promise((resolve) => setTimeout(resolve, 1))
      if (!copied && !names.some((n) => n.endsWith('.tmp') || /journal\.\d+$/.test(n)) && statSync(fileOf(dir)).ino !== oldSnapshot.ino) break
    }
    await Promise.all([fold, ...writes])
    expect(sawAside).toBe(true)
    await store.close()
    expect(readdirSync(dir).sort()).toEqual(['gateway.journal', 'gateway.json'])
    const reopened = newStore(fileOf(crashed), { deliverTo: deliversTo })
    await reopened.open()
    // Start-up removed what the crash left of the old files, and read everything before the fold.
    expect(readdirSync(crashed).filter((n) => n.endsWith('.tmp') || /journal\.\d+$/.test(n))).toEqual([])
    for (const id of ['old0', 'old1499', 'new0', 'new1499']) expect((await reopened.getTransaction(id))?.description).toBe(big.description)
  })

  it('a fold cut short by a crash (its rotated journal left, no new snapshot) loses nothing, and the next fold removes it', async () => {
    const dir = tempStoreDir()
    const store = newStore(fileOf(dir), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('before'))
    await store.transition({ transactionId: 'before', guard: () => true, patch: () => ({ result_desc: 'changed before the fold' }) })
    await store.close()
    // What a crash right after the rotation leaves: the journal renamed, a new empty one, the old snapshot.
    renameSync(join(dir, 'gateway.journal'), join(dir, 'gateway.journal.1'))
    writeFileSync(join(dir, 'gateway.journal'), '')
    const reopened = newStore(fileOf(dir), { deliverTo: deliversTo, foldMinBytes: 1 })
    await reopened.open()
    expect((await reopened.getTransaction('before'))?.result_desc).toBe('changed before the fold')
    await reopened.transition({ transactionId: 'before', guard: () => true, patch: () => ({ result_desc: 'after' }) })
    await reopened.close()
    expect(readdirSync(dir).sort()).toEqual(['gateway.journal', 'gateway.json'])
    expect((await readDoc(dir)).transactions[0].result_desc).toBe('after')
  })
})

/** A view's texts as a generator, read through its cursor (what a fold writes from). */
function* textsOf<T>(view: { cursor(text: (record: T) => string, keep: (record: T) => boolean): () => RecordText | undefined }, text: (record: T) => string, keep: (record: T) => boolean): Generator<string> {
  const next = view.cursor(text, keep)
  for (let made = next(); made !== undefined; made = next()) yield textOf(made)
}

/** A cursor's text, whether given as a string or as a kept text's bytes. */
const textOf = (made: RecordText) => (typeof made === 'string' ? made : made.bytes.toString('utf8', made.from, made.to))

describe('Table views (what a fold writes while writes go on)', () => {
  it('a view yields the records as they were when it opened, each once, whatever changes meanwhile', () => {
    const table = new Table<{ id: string; v: number }>()
    for (const id of ['a', 'b', 'c', 'd']) table.put(id, { id, v: 0 })
    const view = table.view()
    // Each record as the view yields it (its text, parsed back; nothing kept).
    const texts = textsOf(view, (r) => JSON.stringify(r), () => false)
    const seen = (function* () {
      for (const text of texts) yield JSON.parse(text) as { id: string; v: number }
    })()
    expect(seen.next().value).toEqual({ id: 'a', v: 0 })
    table.put('a', { id: 'a', v: 1 })
    table.put('c', { id: 'c', v: 1 })
    table.delete('b')
    table.delete('a')
    table.put('a', { id: 'a', v: 2 })
    table.put('e', { id: 'e', v: 1 })
    expect([...seen]).toEqual([
      { id: 'b', v: 0 },
      { id: 'c', v: 0 },
      { id: 'd', v: 0 },
    ])
    // Reads see the live state throughout; a deletion is carried out when the view closes.
    expect(table.get('b')).toBeUndefined()
    expect(table.get('a')).toEqual({ id: 'a', v: 2 })
    view.close()
    expect([...table.values()].map((r) => `${r.id}${r.v}`)).toEqual(['a2', 'c1', 'd0', 'e1'])
    expect(table.size).toBe(4)
  })

  it('put answers the record it replaced (none for a new key, nor for one deleted under an open view), and a kept text goes with its record', () => {
    const table = new Table<{ id: string; v: number }>()
    expect(table.put('a', { id: 'a', v: 0 })).toBeUndefined()
    expect(table.put('a', { id: 'a', v: 1 })).toEqual({ id: 'a', v: 0 })
    const view = table.view()
    expect([...textsOf(view, (r) => JSON.stringify(r), () => true)]).toEqual(['{"id":"a","v":1}'])
    table.delete('a')
    expect(table.put('a', { id: 'a', v: 2 })).toBeUndefined()
    view.close()
    const again = table.view()
    expect([...textsOf(again, (r) => JSON.stringify(r), () => true)]).toEqual(['{"id":"a","v":2}'])
    again.close()
    expect(table.put('a', { id: 'a', v: 3 })).toEqual({ id: 'a', v: 2 })
    const last = table.view()
    expect([...textsOf(last, (r) => JSON.stringify(r), () => true)]).toEqual(['{"id":"a","v":3}'])
    last.close()
  })

  it("a view's cursor (what a fold writes from) gives the view's texts one per call, then undefined", () => {
    const table = new Table<{ id: string; v: number }>()
    for (const id of ['a', 'b', 'c']) table.put(id, { id, v: 0 })
    const view = table.view()
    const cursor = view.cursor((r) => JSON.stringify(r), () => true)
    const next = () => {
      const made = cursor()
      return made === undefined ? undefined : textOf(made)
    }
    expect(next()).toBe('{"id":"a","v":0}')
    // Changed and removed after the view opened: the view still gives each as it was, once.
    table.put('b', { id: 'b', v: 1 })
    table.delete('c')
    table.put('d', { id: 'd', v: 0 })
    expect([next(), next(), next()]).toEqual(['{"id":"b","v":0}', '{"id":"c","v":0}', undefined])
    expect(next()).toBeUndefined()
    view.close()
    const again = table.view()
    expect([...textsOf(again, (r) => JSON.stringify(r), () => true)]).toEqual(['{"id":"a","v":0}', '{"id":"b","v":1}', '{"id":"d","v":0}'])
    again.close()
  })

  it("a view's texts are each record's as it was when the view opened; a kept text is used only while its record is unchanged", () => {
    const table = new Table<{ id: string; v: number }>()
    let made = 0
    const text = (r: { id: string; v: number }) => {
      made++
      return JSON.stringify(r)
    }
    const texts = () => {
      const view = table.view()
      try {
        return [...textsOf(view, text, () => true)]
      } finally {
        view.close()
      }
    }
    for (const id of ['a', 'b', 'c']) table.put(id, { id, v: 0 })
    expect(texts()).toEqual(['{"id":"a","v":0}', '{"id":"b","v":0}', '{"id":"c","v":0}'])
    expect(made).toBe(3)
    // Nothing changed: every text is the one kept, none made again.
    expect(texts()).toEqual(['{"id":"a","v":0}', '{"id":"b","v":0}', '{"id":"c","v":0}'])
    expect(made).toBe(3)
    table.put('b', { id: 'b', v: 1 })
    table.delete('c')
    table.put('d', { id: 'd', v: 0 })
    expect(texts()).toEqual(['{"id":"a","v":0}', '{"id":"b","v":1}', '{"id":"d","v":0}'])
    expect(made).toBe(5)
    // Changed while a view is being read: that view gets the older version, the next one the newer.
    const view = table.view()
    const seen = textsOf(view, text, () => true)
    expect(seen.next().value).toBe('{"id":"a","v":0}')
    table.put('a', { id: 'a', v: 2 })
    table.put('b', { id: 'b', v: 2 })
    expect([...seen]).toEqual(['{"id":"b","v":1}', '{"id":"d","v":0}'])
    view.close()
    expect(texts()).toEqual(['{"id":"a","v":2}', '{"id":"b","v":2}', '{"id":"d","v":0}'])
    // Not kept when `keep` says so (a record that is text already): made each time.
    const other = new Table<{ id: string; v: number }>()
    for (const id of ['a', 'b', 'c']) other.put(id, { id, v: 0 })
    made = 0
    for (let i = 0; i < 2; i++) {
      const view = other.view()
      expect([...textsOf(view, text, () => false)]).toHaveLength(3)
      view.close()
    }
    expect(made).toBe(6)
  })

  it('keeps texts up to its bound in slabs per table; past it they are made each time, and slabs emptied are freed', () => {
    // A bound of two slabs, texts of ~60,000 bytes: `perSlab` of them in each (room is made for
    // 3 bytes a character, whatever the text holds, and each has its length before it).
    const table = new Table<{ id: string; pad: string }>(2 * KEPT_SLAB_BYTES)
    const pad = 'x'.repeat(60_000)
    const length = JSON.stringify({ id: 'id000', pad }).length
    const perSlab = Math.floor((KEPT_SLAB_BYTES - 4 - 3 * length) / (4 + length)) + 1
    const ids = Array.from({ length: 2 * perSlab + 10 }, (_, i) => `id${String(i).padStart(3, '0')}`)
    for (const id of ids) table.put(id, { id, pad })
    let made: string[] = []
    const texts = () => {
      made = []
      const view = table.view()
      try {
        return [...textsOf(view, (r) => (made.push(r.id), JSON.stringify(r)), () => true)]
      } finally {
        view.close()
      }
    }
    const expected = () => [...table.values()].map((r) => JSON.stringify(r))
    expect(texts()).toEqual(expected())
    expect(made).toEqual(ids)
    expect(table.keptBytes).toBe(2 * KEPT_SLAB_BYTES)
    // Two slabs' worth kept, the rest made again; every text the same either way.
    expect(texts()).toEqual(expected())
    expect(made).toEqual(ids.slice(2 * perSlab))
    // The first slab's records removed: it is freed, and the next view keeps the last ten there; the one after finds them.
    for (const id of ids.slice(0, perSlab)) table.delete(id)
    expect(table.keptBytes).toBe(KEPT_SLAB_BYTES)
    expect(texts()).toEqual(expected())
    expect(made).toEqual(ids.slice(2 * perSlab))
    expect(table.keptBytes).toBe(2 * KEPT_SLAB_BYTES)
    expect(texts()).toEqual(expected())
    expect(made).toEqual([])
  })

  it("a slab less than half live has its texts moved by the next view, and is freed; texts are kept as UTF-8, whatever they hold", () => {
    const table = new Table<{ id: string; pad: string }>(4 * KEPT_SLAB_BYTES)
    // A character outside ASCII in every text: kept as its UTF-8 bytes, given back the same.
    const pad = `é€${'x'.repeat(40_000)}`
    const ids = Array.from({ length: 60 }, (_, i) => `id${String(i).padStart(3, '0')}`)
    for (const id of ids) table.put(id, { id, pad })
    let made = 0
    const texts = () => {
      const view = table.view()
      try {
        return [...textsOf(view, (r) => (made++, JSON.stringify(r)), () => true)]
      } finally {
        view.close()
      }
    }
    const expected = () => [...table.values()].map((r) => JSON.stringify(r))
    expect(texts()).toEqual(expected())
    expect(made).toBe(60)
    const held = table.keptBytes
    expect(held).toBeGreaterThan(KEPT_SLAB_BYTES)
    // Most records of the first slab change: what is left of it moves into the slab being filled.
    for (const id of ids.slice(0, 40)) if (id !== 'id000' && id !== 'id001') table.put(id, { id, pad: 'changed' })
    made = 0
    expect(texts()).toEqual(expected())
    expect(made).toBe(38)
    // Its slab is freed: the texts left in it fitted in the one being filled.
    expect(table.keptBytes).toBeLessThan(held)
    made = 0
    expect(texts()).toEqual(expected())
    expect(made).toBe(0)
  })


})
