import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StorageError } from '../../src/store/errors.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { transaction } from './records.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-corrupt-'))
  dirs.push(dir)
  return dir
}

/** Every file of the dir with its bytes: equal before and after means nothing was changed. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]))
}

describe('a damaged or foreign store stops start-up, naming the file, and changes nothing', () => {
  const snapshots: Array<[string, string, RegExp]> = [
    ['null', 'null', /gateway\.json is not a gateway store \(it holds null\)/],
    ['an array', '[]', /gateway\.json is not a gateway store \(it holds an array\)/],
    ['another version', '{"version":7}', /gateway\.json is not a gateway store \(version 7, expected 1\)/],
    ['a damaged collection', '{"version":1,"transactions":{}}', /gateway\.json is damaged: "transactions" is not a list/],
    ['garbage', '{"version":1,"accounts":[', /gateway\.json is not valid JSON/],
    ['an empty file', '', /gateway\.json is not valid JSON/],
  ]
  for (const [what, content, message] of snapshots) {
    it(`a snapshot holding ${what}`, async () => {
      const dir = dataDir()
      writeFileSync(join(dir, 'gateway.json'), content)
      const before = filesOf(dir)
      const error = await new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo }).open().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StorageError)
      expect((error as StorageError).reason).toBe('corrupt')
      expect((error as Error).message).toMatch(message)
      expect((error as StorageError).hint).toMatch(/Restore .*gateway\.json from a backup, or move it aside/)
      expect(filesOf(dir)).toEqual(before)
    })
  }

  const journals: Array<[string, string, RegExp]> = [
    ['text without a newline', 'hello world', /gateway\.journal is not a gateway journal/],
    ['JSON of another program', '[1,2,3]\n', /gateway\.journal is not a gateway journal/],
    ['a damaged line in the middle', '{"m":{},"s":1}\n{"c":"accounts","r":{"id":\n{"m":{},"s":1}\n', /gateway\.journal is corrupt at line 2 \(not JSON\)/],
    ['a line that is no journal entry', '{"m":{},"s":1}\n{"hello":1}\n', /gateway\.journal is corrupt at line 2 \(not a journal entry\)/],
  ]
  for (const [what, content, message] of journals) {
    it(`a journal holding ${what}`, async () => {
      const dir = dataDir()
      writeFileSync(join(dir, 'gateway.journal'), content)
      const before = filesOf(dir)
      const error = await new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo }).open().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StorageError)
      expect((error as Error).message).toMatch(message)
      expect((error as StorageError).hint).toMatch(/Restore .*gateway\.journal from a backup, or move it aside/)
      expect(filesOf(dir)).toEqual(before)
    })
  }

  it('a torn last journal line (a crash mid-append) is the one thing cut, and its bytes are kept aside', async () => {
    const dir = dataDir()
    const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('kept'))
    await store.close()
    const torn = '{"c":"transactions","r":{"id":"torn","acc'
    appendFileSync(join(dir, 'gateway.journal'), torn)
    const warnings: Array<Record<string, unknown>> = []
    const reopened = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, warn: (message, fields) => warnings.push({ message, ...fields }) })
    await reopened.open()
    expect((await reopened.getTransaction('kept'))?.id).toBe('kept')
    const aside = readdirSync(dir).filter((f) => f.startsWith('gateway.journal.torn-'))
    expect(aside).toHaveLength(1)
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe(torn)
    expect(readFileSync(join(dir, 'gateway.journal'), 'utf8').endsWith('\n')).toBe(true)
    expect(warnings).toContainEqual(expect.objectContaining({ message: 'store.torn_line_kept', file: join(dir, aside[0]) }))
    await reopened.close()
  })
})

describe('history records kept as text (events, finished deliveries, answered Idempotency-Keys)', () => {
  async function storeWithHistory(dir: string) {
    const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
    await store.open()
    await store.createWebhookEndpoint({ id: 'we_1', account_id: 'acct_1', mode: 'test', url: 'https://example.com/hook', events: [], sealed_secret: 'sealed', created_at: new Date().toISOString(), deleted_at: null })
    const scope = 'acct_1:test:order-1'
    await store.insertTransaction(transaction('txn_1'), { idempotency: { scope, fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: 'txn_1', created_at: new Date().toISOString() } })
    await store.saveIdempotency({ scope, fingerprint: 'f', state: 'done', status_code: 201, response: { id: 'txn_1', note: 'ünïcode "quoted"' }, transaction_id: 'txn_1', created_at: new Date().toISOString() })
    const result = await store.transition({ transactionId: 'txn_1', guard: () => true, patch: () => ({ status: 'success' }), events: (t) => [{ event: 'payment.success', data: { id: t.id, status: t.status } }] })
    const delivery = result!.deliveries[0]
    await store.updateDelivery(delivery.id, (d) => ({ ...d, status: 'succeeded', next_attempt_at: null, attempts: [{ at: new Date().toISOString(), status_code: 200, duration_ms: 1, error: null, response_body: '{"created_at":"x"}' }] }))
    return { store, scope, event: result!.events[0], delivery: (await store.getDelivery(delivery.id))! }
  }

  it('read back the same after a restart from the journal and from the snapshot', async () => {
    const dir = dataDir()
    const { store, scope, event, delivery } = await storeWithHistory(dir)
    const idempotency = await store.getIdempotency(scope)
    await store.close()
    for (const fold of [false, true]) {
      const reopened = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
      await reopened.open()
      expect(await reopened.getEvent(event.id)).toEqual(event)
      expect(await reopened.listAllEventsAfter(0, 10)).toEqual([event])
      expect(await reopened.getDelivery(delivery.id)).toEqual(delivery)
      expect(await reopened.listEndpointDeliveries({ endpoint_id: 'we_1', limit: 10 })).toEqual({ data: [delivery], has_more: false })
      expect(await reopened.listDeliveriesForEvent(event.id)).toEqual([delivery])
      expect(await reopened.getIdempotency(scope)).toEqual(idempotency)
      expect(Object.isFrozen(await reopened.getEvent(event.id))).toBe(true)
      if (fold) await reopened.fold()
      await reopened.close()
    }
  })

  it('a history line damaged inside (start-up reads its head only) is named when read, and reported after start-up', async () => {
    const dir = dataDir()
    const { store, event } = await storeWithHistory(dir)
    await store.fold()
    await store.close()
    const file = join(dir, 'gateway.json')
    const text = readFileSync(file, 'utf8')
    const line = text.split('\n').find((l) => l.startsWith(`{"id":"${event.id}"`))!
    // The head (id, seq, account, mode, time) is intact; the body is not JSON.
    writeFileSync(file, text.replace(line, line.replace('"data":{"id":', '"data":{"id":,')))
    const warnings: Array<Record<string, unknown>> = []
    const reopened = new LowdbStore(file, { deliverTo: deliversTo, warn: (message, fields) => warnings.push({ message, ...fields }) })
    await reopened.open()
    const error = await reopened.getEvent(event.id).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).reason).toBe('corrupt')
    expect((error as Error).message).toMatch(/gateway\.json is damaged: the record "evt_\w+" is not JSON/)
    expect((error as StorageError).hint).toMatch(/Restore .*gateway\.json from a backup/)
    expect((await reopened.getTransaction('txn_1'))?.status).toBe('success')
    await reopened.close()
    expect(warnings).toContainEqual(expect.objectContaining({ message: 'store.damaged_record', file }))
  })
})

describe('finished payments kept as text', () => {
  it('are found by id, list, checkout id, callback token and payout token after restarts from the journal and from the snapshot, and can still change', async () => {
    const dir = dataDir()
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('txn_done', { reference: 'ORDER "7" ü', description: 'a \\ backslash', callback_token: 'stk-token' }))
    await store.insertTransaction(transaction('txn_open'))
    const payout = { status: 'success' as const, type: 'mpesa' as const, amount: 98, destination: { type: 'mpesa' as const, phone: '254712345678' }, callback_token: 'b2c-token', created_at: new Date().toISOString(), updated_at: new Date().toISOString() }
    await store.transition({ transactionId: 'txn_done', guard: () => true, patch: () => ({ status: 'success', checkout_request_id: 'ws_CO_done', payout }) })
    const done = (await store.getTransaction('txn_done'))!
    await store.close()
    for (const fold of [false, true]) {
      const reopened = new LowdbStore(file, { deliverTo: deliversTo })
      await reopened.open()
      expect(await reopened.getTransaction('txn_done')).toEqual(done)
      expect(await reopened.findTransactionByCheckoutRequestId('ws_CO_done')).toEqual(done)
      expect(await reopened.findTransactionByCallbackToken('stk-token')).toEqual(done)
      expect(await reopened.findTransactionByPayoutToken('b2c-token')).toEqual(done)
      expect((await reopened.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 10, status: 'success' })).data).toEqual([done])
      expect((await reopened.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 10, reference: 'ORDER "7" ü' })).data).toEqual([done])
      expect((await reopened.listPayoutsByStatus('success', 10)).map((t) => t.id)).toEqual(['txn_done'])
      expect((await reopened.listPendingTransactions(new Date(Date.now() + 1000).toISOString())).map((t) => t.id)).toEqual(['txn_open'])
      if (fold) {
        // A late change to a finished payment (kept as text) is stored like any other.
        await reopened.transition({ transactionId: 'txn_done', guard: () => true, patch: () => ({ result_desc: 'noted' }) })
        await reopened.fold()
      }
      await reopened.close()
    }
    const last = new LowdbStore(file, { deliverTo: deliversTo })
    await last.open()
    expect(await last.getTransaction('txn_done')).toEqual({ ...done, result_desc: 'noted' })
    await last.close()
  })
})
