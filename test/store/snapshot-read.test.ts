import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { transaction } from './records.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('a snapshot larger than what start-up reads at once (it parses while it reads on)', () => {
  it('reads back every record the same, lines across the reads included, from a snapshot of several reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-snapshot-read-'))
    dirs.push(dir)
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    await store.createWebhookEndpoint({ id: 'we_1', account_id: 'acct_1', mode: 'test', url: 'https://example.com/hook', events: [], sealed_secret: 'sealed', created_at: new Date().toISOString(), deleted_at: null })
    const ids: string[] = []
    // Lines of ~0.7 MB and multi-byte characters: some lines cross the 4 MiB reads, and the
    // history (idempotency on) starts past the first read.
    for (let i = 0; i < 14; i++) {
      const id = `txn_${i}`
      ids.push(id)
      const scope = `acct_1:test:order-${i}`
      await store.insertTransaction(transaction(id, { description: `ü${'d'.repeat(700_000 + i)}`, callback_token: `sha256:${i}` }), {
        idempotency: { scope, fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: id, created_at: new Date().toISOString() },
      })
      await store.saveIdempotency({ scope, fingerprint: 'f', state: 'done', status_code: 201, response: { id, note: 'x'.repeat(300_000) }, transaction_id: id, created_at: new Date().toISOString() })
      await store.transition({ transactionId: id, guard: () => true, patch: () => ({ status: i % 3 === 0 ? 'pending' : 'success' }), events: (t) => [{ event: 'payment.success', data: { id: t.id } }] })
    }
    await store.fold()
    const before = await Promise.all(ids.map((id) => store.getTransaction(id)))
    const keys = await Promise.all(ids.map((_, i) => store.getIdempotency(`acct_1:test:order-${i}`)))
    const events = await store.listAllEventsAfter(0, 100)
    await store.close()
    expect(statSync(file).size).toBeGreaterThan(3 * 4 * 1024 * 1024)
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    await reopened.open()
    expect(await Promise.all(ids.map((id) => reopened.getTransaction(id)))).toEqual(before)
    expect(await Promise.all(ids.map((_, i) => reopened.getIdempotency(`acct_1:test:order-${i}`)))).toEqual(keys)
    expect(await reopened.listAllEventsAfter(0, 100)).toEqual(events)
    expect((await reopened.listPendingTransactions(new Date(Date.now() + 1000).toISOString())).map((t) => t.id)).toEqual(ids.filter((_, i) => i % 3 === 0))
    await reopened.close()
  })

  it('reads a line longer than two reads (the read buffers grow for it), and every record after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-snapshot-long-line-'))
    dirs.push(dir)
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('txn_before', { status: 'success', callback_token: 'sha256:a' }))
    // ~9 MB: longer than one read (4 MiB) and than the first larger buffer (8 MiB).
    await store.insertTransaction(transaction('txn_long', { description: `é${'l'.repeat(9_000_000)}`, status: 'success', callback_token: 'sha256:b' }))
    for (let i = 0; i < 50; i++) await store.insertTransaction(transaction(`txn_after_${i}`, { callback_token: `sha256:c${i}` }))
    await store.fold()
    const all = await store.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 100 })
    await store.close()
    expect(statSync(file).size).toBeGreaterThan(9_000_000)
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    await reopened.open()
    expect(await reopened.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 100 })).toEqual(all)
    expect((await reopened.getTransaction('txn_long'))?.description).toHaveLength(9_000_001)
    expect(await reopened.getTransaction('txn_after_49')).toMatchObject({ id: 'txn_after_49', status: 'pending' })
    await reopened.close()
  })
})

describe('a snapshot edited by hand', () => {
  it('with a key twice: the later record is the one kept and indexed, as a replay would; events out of order are read in seq order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-snapshot-twice-'))
    dirs.push(dir)
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('txn_1'))
    await store.insertTransaction(transaction('txn_2'))
    await store.transition({ transactionId: 'txn_2', guard: () => true, patch: () => ({}), events: (t) => [{ event: 'payment.success', data: { id: t.id } }, { event: 'payment.failed', data: { id: t.id } }] })
    await store.fold()
    await store.close()
    const lines = readFileSync(file, 'utf8').split('\n')
    const first = lines.findIndex((l) => l.startsWith('{"id":"txn_1"'))
    // txn_1 again after txn_2, now final and with another checkout id; the two events swapped.
    const later = JSON.parse(lines[first].replace(/,$/, ''))
    const again = JSON.stringify({ ...later, status: 'failed', checkout_request_id: 'ws_CO_again', completed_at: later.created_at })
    const second = lines.findIndex((l) => l.startsWith('{"id":"txn_2"'))
    lines[second] = `${lines[second].replace(/,$/, '')},\n${again}`
    const events = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('{"id":"evt_')).map(([, i]) => i)
    expect(events).toHaveLength(2)
    const [e1, e2] = events.map((i) => lines[i].replace(/,$/, ''))
    lines[events[0]] = `${e2},`
    lines[events[1]] = e1
    writeFileSync(file, lines.join('\n'))
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    await reopened.open()
    expect(await reopened.getTransaction('txn_1')).toMatchObject({ status: 'failed', checkout_request_id: 'ws_CO_again' })
    expect(await reopened.findTransactionByCheckoutRequestId('ws_CO_again')).toMatchObject({ id: 'txn_1' })
    expect((await reopened.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 10 })).data.map((t) => t.id)).toEqual(['txn_2', 'txn_1'])
    expect((await reopened.listPendingTransactions(new Date(Date.now() + 1000).toISOString())).map((t) => t.id)).toEqual(['txn_2'])
    expect((await reopened.listAllEventsAfter(0, 10)).map((e) => e.event)).toEqual(['payment.success', 'payment.failed'])
    await reopened.close()
  })
})

describe('a clean stop', () => {
  it('leaves the next start only the snapshot to read, even when a fold was running as it stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-close-fold-'))
    dirs.push(dir)
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo, foldMinBytes: 16 * 1024 })
    await store.open()
    // Writes on while folds run (each fold starts once the journal is half the snapshot), then a stop.
    for (let round = 0; round < 8; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.insertTransaction(transaction(`txn_${round}_${i}`, { description: 'd'.repeat(2000) }))))
    }
    await store.close()
    expect(statSync(join(dir, 'gateway.journal')).size).toBeLessThanOrEqual(16 * 1024)
    const reopened = new LowdbStore(file, { deliverTo: deliversTo })
    await reopened.open()
    expect((await reopened.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 100 })).data).toHaveLength(100)
    expect(await reopened.getTransaction('txn_7_99')).toMatchObject({ id: 'txn_7_99' })
    await reopened.close()
  })
})
