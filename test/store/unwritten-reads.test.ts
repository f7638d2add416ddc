import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import type { DeliveryRecord, EventRecord, TransactionRecord, WebhookEndpointRecord } from '../../src/store/records.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { transaction } from './records.js'

/**
 * "Acknowledged means durable" for every read of the embedded store: nothing a read answers may be
 * a change whose write has not ended. Each case makes change A (its flush starts this turn; a read
 * used to wait for just that flush), starts the read, and makes change B while A is being written:
 * the read used to answer B as soon as A's flush ended, before B was on disk.
 */

const opened: LowdbStore[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function openStore(now?: () => number) {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-reads-'))
  dirs.push(dir)
  const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, now })
  opened.push(store)
  await store.open()
  return { store, journal: () => readFileSync(join(dir, 'gateway.journal'), 'utf8') }
}

/**
 * Past the microtasks that queue the flush of a change made in this turn, one check phase later:
 * that flush has taken its changes and its append is on the thread pool, not finished (an append
 * ends in a poll phase, which comes after this check phase). No timing: the event loop's order.
 */
async function intoTheFlush() {
  for (let i = 0; i < 20; i++) await Promise.resolve()
  await new Promise((resolve) => setImmediate(resolve))
}

const PAST = '2026-01-01T00:00:00.000Z'
/** A change's mark: a field value found in the journal once that change is written. */
const mark = (tag: string) => `2026-01-01T00:00:0${tag === 'A' ? 1 : 2}.000Z`

const endpoint = (id: string): WebhookEndpointRecord => ({
  id,
  account_id: 'acct_1',
  mode: 'test',
  url: 'https://hooks.example/x',
  events: ['payment.success'],
  sealed_secret: 'sealed',
  created_at: PAST,
  deleted_at: null,
})

const delivery = (id: string, overrides: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  id,
  event_id: 'evt_1',
  endpoint_id: 'we_1',
  account_id: 'acct_1',
  mode: 'test',
  event: 'payment.success',
  status: 'pending',
  attempts: [],
  next_attempt_at: PAST,
  created_at: PAST,
  updated_at: PAST,
  ...overrides,
})

const withPayout = (id: string): TransactionRecord =>
  transaction(id, {
    status: 'success',
    payout: {
      status: 'pending',
      type: 'mpesa',
      amount: 98.5,
      destination: { type: 'mpesa', phone: '254712345678' },
      callback_token: `ptok_${id}`,
      next_attempt_at: PAST,
      created_at: PAST,
      updated_at: PAST,
    },
  })

type Opened = Awaited<ReturnType<typeof openStore>>['store']

interface Case {
  /** Stored (and written) before the race. */
  setup: (store: Opened) => Promise<unknown>
  /** Change A or B. */
  change: (store: Opened, tag: 'A' | 'B') => Promise<unknown>
  read: (store: Opened) => Promise<unknown>
  /** The mark of what the read answered (undefined: it answered nothing either change made). */
  seen: (answer: unknown) => string | undefined
  /** What the read answers on a store that waits for B's write (or leaves B out). */
  expected: string | undefined
}

const tx = (answer: unknown) => answer as TransactionRecord | undefined
const txs = (answer: unknown) => answer as TransactionRecord[]
const transactionChange = (id: string) => (store: Opened, tag: 'A' | 'B') =>
  store.transition({ transactionId: id, guard: () => true, patch: () => ({ completed_at: mark(tag) }) })
const deliveryChange = (id: string) => (store: Opened, tag: 'A' | 'B') => store.updateDelivery(id, (d) => ({ ...d, updated_at: mark(tag) }))
const one = (answer: unknown) => (answer as { updated_at?: string; completed_at?: string | null } | undefined)
const markOf = (answer: unknown) => one(answer)?.updated_at ?? one(answer)?.completed_at ?? undefined
const lastMark = (answer: unknown) => (answer as unknown[]).map(markOf).filter((m) => m !== undefined && m !== PAST).at(-1)
/** An endpoint's delivery log, one page of it. */
const deliveryLog = (s: Opened, status?: DeliveryRecord['status']) => s.listEndpointDeliveries({ endpoint_id: 'we_1', status, limit: 10 }).then((page) => page!.data)

const cases: Record<string, Case> = {
  findTransactionByCheckoutRequestId: {
    setup: (s) => s.insertTransaction(transaction('x')),
    change: transactionChange('x'),
    read: (s) => s.findTransactionByCheckoutRequestId('ws_CO_x'),
    seen: (a) => tx(a)?.completed_at ?? undefined,
    expected: mark('B'),
  },
  findTransactionByCallbackToken: {
    setup: (s) => s.insertTransaction(transaction('x')),
    change: transactionChange('x'),
    read: (s) => s.findTransactionByCallbackToken('tok_x'),
    seen: (a) => tx(a)?.completed_at ?? undefined,
    expected: mark('B'),
  },
  findTransactionByPayoutToken: {
    setup: (s) => s.insertTransaction(withPayout('x')),
    change: transactionChange('x'),
    read: (s) => s.findTransactionByPayoutToken('ptok_x'),
    seen: (a) => tx(a)?.completed_at ?? undefined,
    expected: mark('B'),
  },
  'listTransactions (a change to a listed payment)': {
    setup: (s) => s.insertTransaction(transaction('x')),
    change: transactionChange('x'),
    read: (s) => s.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 10 }),
    seen: (a) => (a as { data: TransactionRecord[] }).data[0]?.completed_at ?? undefined,
    expected: mark('B'),
  },
  'listTransactions (a payment stored during the flush)': {
    setup: (s) => s.insertTransaction(transaction('x')),
    change: (s, tag) => (tag === 'A' ? transactionChange('x')(s, tag) : s.insertTransaction(transaction('y', { completed_at: mark('B') }))),
    read: (s) => s.listTransactions({ account_id: 'acct_1', mode: 'test', limit: 10 }),
    seen: (a) => (a as { data: TransactionRecord[] }).data.find((t) => t.id === 'y')?.completed_at ?? undefined,
    expected: undefined,
  },
  listPendingTransactions: {
    setup: (s) => s.insertTransaction(transaction('x', { created_at: PAST })),
    change: transactionChange('x'),
    read: (s) => s.listPendingTransactions('2026-06-01T00:00:00.000Z'),
    seen: (a) => txs(a)[0]?.completed_at ?? undefined,
    // A background pass (the reconciler) leaves out what is not written yet: it comes back next pass.
    expected: undefined,
  },
  listPayoutsByStatus: {
    setup: (s) => s.insertTransaction(withPayout('x')),
    change: transactionChange('x'),
    read: (s) => s.listPayoutsByStatus('pending', 10),
    seen: (a) => txs(a)[0]?.completed_at ?? undefined,
    expected: mark('B'),
  },
  claimPayout: {
    setup: (s) => s.insertTransaction(withPayout('x')),
    change: transactionChange('x'),
    read: (s) => s.claimPayout('x', 'me', 60_000),
    seen: (a) => tx(a)?.completed_at ?? undefined,
    expected: mark('B'),
  },
  claimDuePayouts: {
    setup: (s) => s.insertTransaction(withPayout('x')),
    change: transactionChange('x'),
    read: (s) => s.claimDuePayouts('me', 60_000, 10),
    seen: (a) => txs(a)[0]?.completed_at ?? undefined,
    expected: undefined,
  },
  getWebhookEndpoint: {
    setup: (s) => s.createWebhookEndpoint(endpoint('we_1')),
    change: (s, tag) => s.updateWebhookEndpoint('we_1', (e) => ({ ...e, failing_since: mark(tag) })),
    read: (s) => s.getWebhookEndpoint('we_1'),
    seen: (a) => (a as WebhookEndpointRecord | undefined)?.failing_since ?? undefined,
    expected: mark('B'),
  },
  listWebhookEndpoints: {
    setup: (s) => s.createWebhookEndpoint(endpoint('we_1')),
    change: (s, tag) => s.updateWebhookEndpoint('we_1', (e) => ({ ...e, failing_since: mark(tag) })),
    read: (s) => s.listWebhookEndpoints('acct_1', 'test'),
    seen: (a) => (a as WebhookEndpointRecord[])[0]?.failing_since ?? undefined,
    expected: mark('B'),
  },
  getDelivery: {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: deliveryChange('d1'),
    read: (s) => s.getDelivery('d1'),
    seen: markOf,
    expected: mark('B'),
  },
  'listEndpointDeliveries (a change to a listed delivery)': {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: deliveryChange('d1'),
    read: (s) => deliveryLog(s),
    seen: lastMark,
    expected: mark('B'),
  },
  'listEndpointDeliveries (an admin re-send stored during the flush)': {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: (s, tag) => (tag === 'A' ? deliveryChange('d1')(s, tag) : s.createDelivery(delivery('d2', { updated_at: mark('B') }))),
    read: (s) => deliveryLog(s),
    seen: lastMark,
    expected: mark('A'),
  },
  listDeliveriesForEvent: {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: deliveryChange('d1'),
    read: (s) => s.listDeliveriesForEvent('evt_1'),
    seen: lastMark,
    expected: mark('B'),
  },
  listPendingDeliveries: {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: deliveryChange('d1'),
    read: (s) => s.listPendingDeliveries(),
    seen: lastMark,
    expected: mark('B'),
  },
  'claimDelivery (a delivery changed during the flush)': {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: deliveryChange('d1'),
    read: (s) => s.claimDelivery('d1', 'me', 60_000),
    seen: markOf,
    expected: mark('B'),
  },
  'claimDelivery (a delivery stored during the flush: it would be sent)': {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: (s, tag) => (tag === 'A' ? deliveryChange('d1')(s, tag) : s.createDelivery(delivery('d2', { updated_at: mark('B') }))),
    read: (s) => s.claimDelivery('d2', 'me', 60_000),
    seen: markOf,
    expected: undefined,
  },
  claimDueDeliveries: {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: (s, tag) => (tag === 'A' ? deliveryChange('d1')(s, tag) : s.createDelivery(delivery('d2', { updated_at: mark('B') }))),
    read: (s) => s.claimDueDeliveries('me', 60_000, 10),
    seen: lastMark,
    expected: undefined,
  },
  listAccounts: {
    setup: (s) => s.createAccount({ id: 'acct_1', name: 'One', payout_account: null, created_at: PAST }),
    change: (s, tag) => s.createAccount({ id: `acct_${tag}`, name: 'Other', payout_account: null, created_at: mark(tag) }),
    read: (s) => s.listAccounts(),
    seen: (a) => (a as Array<{ created_at: string }>).map((x) => x.created_at).filter((m) => m !== PAST).at(-1),
    // A's record is not written when the list is asked for: left out, as if made after the answer.
    expected: undefined,
  },
  listApiKeys: {
    setup: (s) => s.createApiKey({ id: 'key_1', account_id: 'acct_1', mode: 'test', name: null, prefix: 'p', hash: 'h', created_at: PAST, last_used_at: null, revoked_at: null }),
    // B: a "last used" stamp, which waits for the next write (no flush of its own).
    change: async (s, tag) => (tag === 'A' ? s.revokeApiKey('key_1', PAST) : s.touchApiKey('key_1', mark(tag))),
    read: (s) => s.listApiKeys(),
    seen: (a) => (a as Array<{ last_used_at: string | null }>)[0]?.last_used_at ?? undefined,
    expected: mark('B'),
  },
  listInFlightIdempotency: {
    setup: (s) => s.saveIdempotency({ scope: 'k1', fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: null, created_at: PAST }),
    change: (s, tag) => s.saveIdempotency({ scope: `k_${tag}`, fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: null, created_at: mark(tag) }),
    read: (s) => s.listInFlightIdempotency(),
    seen: (a) => (a as Array<{ created_at: string }>).map((x) => x.created_at).filter((m) => m !== PAST).at(-1),
    // A's record is not written when the list is asked for: left out, as if made after the answer.
    expected: undefined,
  },
  "insertTransaction's answer for an Idempotency-Key taken already": {
    setup: (s) => s.saveIdempotency({ scope: 'k1', fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: null, created_at: PAST }),
    change: (s, tag) => s.saveIdempotency({ scope: 'k1', fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: null, created_at: mark(tag) }),
    read: (s) => s.insertTransaction(transaction('z'), { idempotency: { scope: 'k1', fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: null, created_at: PAST } }),
    seen: (a) => (a as { existing?: { created_at: string } }).existing?.created_at,
    expected: mark('B'),
  },
  getMeta: {
    setup: (s) => s.setMeta('k', PAST),
    change: (s, tag) => s.setMeta('k', mark(tag)),
    read: (s) => s.getMeta('k'),
    seen: (a) => (a === PAST ? undefined : (a as string)),
    // Neither A (being written when asked) nor B: the value on disk then.
    expected: undefined,
  },
  lastEventSeq: {
    setup: (s) => s.insertTransaction(transaction('x')),
    change: (s, tag) =>
      s.transition({ transactionId: 'x', guard: () => true, patch: () => ({ completed_at: mark(tag) }), events: () => [{ event: 'payment.success', data: { at: mark(tag) } }] }),
    read: (s) => s.lastEventSeq(),
    seen: (a) => (a === 2 ? mark('B') : a === 1 ? mark('A') : undefined),
    expected: undefined,
  },
}

describe('every read of the embedded store answers only what is written', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: a change made while the flush the read waited for was writing is not answered before its own write ends`, async () => {
      const { store, journal } = await openStore()
      await c.setup(store)
      const first = c.change(store, 'A')
      const read = c.read(store)
      await intoTheFlush()
      const second = c.change(store, 'B')
      // The journal is read synchronously in the read's own continuation: what the disk held when it answered.
      const seen = await read.then((answer) => {
        const m = c.seen(answer)
        return { answered: m, onDisk: m === undefined || journal().includes(m) }
      })
      await Promise.all([first, second])
      expect(seen).toEqual({ answered: c.expected, onDisk: true })
    })
  }
})

interface Refusal {
  setup: (store: Opened) => Promise<unknown>
  /** Change A, which makes the refused change a no-op. */
  change: (store: Opened) => Promise<unknown>
  refused: (store: Opened) => Promise<unknown>
}

const refusals: Record<string, Refusal> = {
  'transition whose guard fails (a duplicate callback after an unwritten settle)': {
    setup: (s) => s.insertTransaction(transaction('x')),
    change: (s) => s.transition({ transactionId: 'x', guard: (t) => t.status === 'pending', patch: () => ({ status: 'success', completed_at: mark('A') }) }),
    refused: (s) => s.transition({ transactionId: 'x', guard: (t) => t.status === 'pending', patch: () => ({ status: 'failed' }) }),
  },
  'updateDelivery that changes nothing (answers the delivery as it is)': {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: (s) => s.updateDelivery('d1', (d) => ({ ...d, status: 'succeeded', updated_at: mark('A') })),
    refused: (s) => s.updateDelivery('d1', (d) => (d.status === 'pending' ? { ...d, status: 'failed' } : undefined)),
  },
  'deleteWebhookEndpoint of an endpoint deleted already': {
    setup: (s) => s.createWebhookEndpoint(endpoint('we_1')),
    change: (s) => s.deleteWebhookEndpoint('we_1', mark('A')),
    refused: (s) => s.deleteWebhookEndpoint('we_1', PAST),
  },
  'updateWebhookEndpoint that changes nothing': {
    setup: (s) => s.createWebhookEndpoint(endpoint('we_1')),
    change: (s) => s.updateWebhookEndpoint('we_1', (e) => ({ ...e, failing_since: mark('A') })),
    refused: (s) => s.updateWebhookEndpoint('we_1', () => undefined),
  },
}

describe('a change that does not apply is answered only once what it found is written', () => {
  for (const [name, c] of Object.entries(refusals)) {
    it(`${name}: not answered before the change that made it a no-op is on disk`, async () => {
      const { store, journal } = await openStore()
      await c.setup(store)
      const first = c.change(store)
      const onDisk = await c.refused(store).then(() => journal().includes(mark('A')))
      await first
      expect(onDisk).toBe(true)
    })
  }
})

describe('a removal is answered only once written', () => {
  it('getEvent: an event retention removes while the flush the read waited for was writing is not answered as gone before the removal is on disk', async () => {
    const { store, journal } = await openStore()
    await store.insertTransaction(transaction('x'))
    const settled = await store.transition({ transactionId: 'x', guard: () => true, patch: () => ({ status: 'success' }), events: () => [{ event: 'payment.success', data: {} }] })
    const id = settled!.events[0].id
    const first = store.transition({ transactionId: 'x', guard: () => true, patch: () => ({ completed_at: mark('A') }) })
    const read = store.getEvent(id)
    await intoTheFlush()
    // Retention removes the event (it has no delivery) while A is being written.
    const pruned = store.pruneHistory('2999-01-01T00:00:00.000Z', 10)
    const seen = await read.then((e) => ({ answered: e?.id, removalOnDisk: journal().includes(`"d":"${id}"`) }))
    await Promise.all([first, pruned])
    expect(seen).toEqual({ answered: id, removalOnDisk: false })
  })
})

interface Leaving {
  setup: (store: Opened) => Promise<unknown>
  /** Change A, which takes the record out of the list (its status, or retention removing it). */
  change: (store: Opened) => Promise<unknown>
  /** What A writes to the journal. */
  written: string
  read: (store: Opened) => Promise<unknown[]>
}

const attention = (id: string) => {
  const t = withPayout(id)
  return { ...t, payout: { ...t.payout!, status: 'needs_attention' as const } }
}
const leavings: Record<string, Leaving> = {
  'listPayoutsByStatus (a payout settled)': {
    setup: (s) => s.insertTransaction(attention('x')),
    change: (s) => s.transition({ transactionId: 'x', guard: () => true, patch: (t) => ({ payout: { ...t.payout!, status: 'settled', updated_at: mark('A') } }) }),
    written: mark('A'),
    read: (s) => s.listPayoutsByStatus('needs_attention', 10),
  },
  'listPendingDeliveries (a delivery delivered)': {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: (s) => s.updateDelivery('d1', (d) => ({ ...d, status: 'succeeded', updated_at: mark('A') })),
    written: mark('A'),
    read: (s) => s.listPendingDeliveries(),
  },
  'listInFlightIdempotency (a key whose request ended)': {
    setup: (s) => s.saveIdempotency({ scope: 'k1', fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: null, created_at: PAST }),
    change: (s) => s.saveIdempotency({ scope: 'k1', fingerprint: 'f', state: 'done', status_code: 200, response: { ok: true }, transaction_id: null, created_at: mark('A') }),
    written: mark('A'),
    read: (s) => s.listInFlightIdempotency(),
  },
  'listEndpointDeliveries by status (a delivery delivered)': {
    setup: (s) => s.createDelivery(delivery('d1')),
    change: (s) => s.updateDelivery('d1', (d) => ({ ...d, status: 'succeeded', updated_at: mark('A') })),
    written: mark('A'),
    read: (s) => deliveryLog(s, 'pending'),
  },
  'listEndpointDeliveries (a delivery retention removed)': {
    setup: (s) => s.createDelivery(delivery('d1', { status: 'failed', next_attempt_at: null })),
    change: (s) => s.pruneHistory('2999-01-01T00:00:00.000Z', 10),
    written: '"d":"d1"',
    read: (s) => deliveryLog(s),
  },
  'listDeliveriesForEvent (a delivery retention removed)': {
    setup: (s) => s.createDelivery(delivery('d1', { status: 'failed', next_attempt_at: null })),
    change: (s) => s.pruneHistory('2999-01-01T00:00:00.000Z', 10),
    written: '"d":"d1"',
    read: (s) => s.listDeliveriesForEvent('evt_1'),
  },
}

describe('a list leaves a record out only once the change that took it out is written', () => {
  for (const [name, c] of Object.entries(leavings)) {
    it(`${name}: not answered without it before that change is on disk`, async () => {
      const { store, journal } = await openStore()
      await c.setup(store)
      const first = c.change(store)
      const seen = await c.read(store).then((list) => ({ listed: list.length, onDisk: journal().includes(c.written) }))
      await first
      expect(seen).toEqual({ listed: 0, onDisk: true })
    })
  }
})

/** A settled payment with one event (written): the event's id. */
async function withOneEvent(store: Opened, id = 'x'): Promise<string> {
  await store.insertTransaction(transaction(id))
  const settled = await store.transition({ transactionId: id, guard: () => true, patch: () => ({ status: 'success' }), events: () => [{ event: 'payment.success', data: {} }] })
  return settled!.events[0].id
}

const replays: Record<string, (store: Opened) => Promise<EventRecord[]>> = {
  listEventsAfter: (s) => s.listEventsAfter('acct_1', 'test', 0, 10),
  listAllEventsAfter: (s) => s.listAllEventsAfter(0, 10),
}

describe('retention takes an event off the replay list only once its removal is written', () => {
  for (const [name, read] of Object.entries(replays)) {
    it(`${name}: an event retention removes while a flush is writing is replayed until its removal is on disk`, async () => {
      const { store, journal } = await openStore()
      const id = await withOneEvent(store)
      const first = store.transition({ transactionId: 'x', guard: () => true, patch: () => ({ completed_at: mark('A') }) })
      const asked = read(store)
      await intoTheFlush()
      // Retention removes the event (it has no delivery) while A is being written.
      const pruned = store.pruneHistory('2999-01-01T00:00:00.000Z', 10)
      const seen = await asked.then((list) => ({ listed: list.map((e) => e.id), removalOnDisk: journal().includes(`"d":"${id}"`) }))
      await Promise.all([first, pruned])
      expect(seen).toEqual({ listed: seen.removalOnDisk ? [] : [id], removalOnDisk: seen.removalOnDisk })
      expect(seen.listed).toEqual([id])
      // Once the removal is written, the replay leaves it out.
      expect((await read(store)).map((e) => e.id)).toEqual([])
    })

    it(`${name}: asked after retention removed an event while a flush is writing (the removal waits for the next one), the event is still replayed`, async () => {
      const { store, journal } = await openStore()
      const id = await withOneEvent(store)
      const first = store.transition({ transactionId: 'x', guard: () => true, patch: () => ({ completed_at: mark('A') }) })
      await intoTheFlush()
      const pruned = store.pruneHistory('2999-01-01T00:00:00.000Z', 10)
      const seen = await read(store).then((list) => ({ listed: list.map((e) => e.id), removalOnDisk: journal().includes(`"d":"${id}"`) }))
      await Promise.all([first, pruned])
      expect(seen).toEqual({ listed: seen.removalOnDisk ? [] : [id], removalOnDisk: seen.removalOnDisk })
      expect((await read(store)).map((e) => e.id)).toEqual([])
    })

    it(`${name}: asked while the flush that writes retention's removal is writing, the event is still replayed (the disk holds it until that write ends)`, async () => {
      const { store } = await openStore()
      const id = await withOneEvent(store)
      const pruned = store.pruneHistory('2999-01-01T00:00:00.000Z', 10)
      await intoTheFlush()
      const listed = (await read(store)).map((e) => e.id)
      await pruned
      expect(listed).toEqual([id])
      expect((await read(store)).map((e) => e.id)).toEqual([])
    })
  }

  it('the events after a removed one are replayed in seq order, before and after the removal is written', async () => {
    let now = Date.parse('2026-01-01T00:00:00.000Z')
    const { store } = await openStore(() => now)
    const old = await withOneEvent(store, 'x')
    now = Date.parse('2026-03-01T00:00:00.000Z')
    const kept = await withOneEvent(store, 'y')
    const pruned = store.pruneHistory('2026-02-01T00:00:00.000Z', 10)
    expect((await store.listEventsAfter('acct_1', 'test', 0, 10)).map((e) => e.id)).toEqual([old, kept])
    await pruned
    expect((await store.listEventsAfter('acct_1', 'test', 0, 10)).map((e) => e.id)).toEqual([kept])
    expect(await store.lastEventSeq()).toBe(2)
  })

  it('lastEventSeq: the last event, removed by retention while a flush is writing, counts until its removal is on disk', async () => {
    const { store, journal } = await openStore()
    const id = await withOneEvent(store)
    const first = store.transition({ transactionId: 'x', guard: () => true, patch: () => ({ completed_at: mark('A') }) })
    await intoTheFlush()
    const pruned = store.pruneHistory('2999-01-01T00:00:00.000Z', 10)
    const seen = await store.lastEventSeq().then((seq) => ({ seq, removalOnDisk: journal().includes(`"d":"${id}"`) }))
    await Promise.all([first, pruned])
    expect(seen).toEqual({ seq: 1, removalOnDisk: false })
    expect(await store.lastEventSeq()).toBe(0)
  })
})

describe('an event replay answers at once', () => {
  for (const [name, read] of Object.entries(replays)) {
    it(`${name}: does not wait for the flush to come (the events it will write are not on disk yet, so they end the list)`, async () => {
      const { store, journal } = await openStore()
      const id = await withOneEvent(store)
      // A's flush starts in this turn's check phase: a read that waits for it answers after A is written.
      const first = store.transition({ transactionId: 'x', guard: () => true, patch: () => ({ completed_at: mark('A') }), events: () => [{ event: 'payment.success', data: { at: mark('A') } }] })
      const seen = await read(store).then((list) => ({ listed: list.map((e) => e.id), aOnDisk: journal().includes(mark('A')) }))
      const written = await first
      expect(seen).toEqual({ listed: [id], aOnDisk: false })
      expect((await read(store)).map((e) => e.id)).toEqual([id, written!.events[0].id])
    })
  }
})

describe('an Idempotency-Key claim answers only a key on disk', () => {
  it('a key released while the claim waited for its write is claimed afresh (as PostgreSQL does), not answered from memory as still held', async () => {
    const { store, journal } = await openStore()
    const key = (transactionId: string) => ({ scope: 'k1', fingerprint: 'f', state: 'in_flight' as const, status_code: null, response: null, transaction_id: transactionId, created_at: PAST })
    const first = store.insertTransaction(transaction('p1'), { idempotency: key('p1') })
    await intoTheFlush()
    // The same key while p1's claim is being written: the answer waits for that write.
    const second = store.insertTransaction(transaction('p2'), { idempotency: key('p2') })
    // The key is released meanwhile (Daraja refused p1's push): a removal the next flush writes.
    const released = store.deleteIdempotency('k1')
    await first
    const answer = await second
    await released
    expect(answer).toEqual({})
    expect((await store.getIdempotency('k1'))?.transaction_id).toBe('p2')
    expect(journal()).toContain('"d":"k1"')
  })
})

describe("retention's other removals are answered only once written", () => {
  const doneKey = { scope: 'k1', fingerprint: 'f', state: 'done' as const, status_code: 201, response: null, transaction_id: 'p1', created_at: PAST }
  const reads: Record<string, { setup: (s: Opened) => Promise<unknown>; prune: (s: Opened) => Promise<unknown>; /** In the journal once the removal (or what replaces the record) is written. */ removal: string; read: (s: Opened) => Promise<unknown> }> = {
    'getIdempotency (a key past its life)': {
      setup: (s) => s.saveIdempotency(doneKey),
      prune: (s) => s.pruneIdempotency('2999-01-01T00:00:00.000Z', 10),
      removal: '"d":"k1"',
      read: (s) => s.getIdempotency('k1'),
    },
    "insertTransaction's claim of a key past its life (answered as new only once the new claim, which replaces the old key in one line, is written)": {
      setup: (s) => s.saveIdempotency(doneKey),
      prune: (s) => s.pruneIdempotency('2999-01-01T00:00:00.000Z', 10),
      removal: '"transaction_id":"p2"',
      read: async (s) => ((await s.insertTransaction(transaction('p2'), { idempotency: { ...doneKey, state: 'in_flight', status_code: null, transaction_id: 'p2' } })).existing ? 'held' : undefined),
    },
    'getDelivery (a finished delivery)': {
      setup: (s) => s.createDelivery(delivery('d1', { status: 'failed', next_attempt_at: null })),
      prune: (s) => s.pruneHistory('2999-01-01T00:00:00.000Z', 10),
      removal: '"d":"d1"',
      read: (s) => s.getDelivery('d1'),
    },
  }
  for (const [name, c] of Object.entries(reads)) {
    it(`${name}: gone only once the removal is on disk`, async () => {
      const { store, journal } = await openStore()
      await c.setup(store)
      const pruned = c.prune(store)
      const seen = await c.read(store).then((answer) => ({ gone: answer === undefined, removalOnDisk: journal().includes(c.removal) }))
      await pruned
      expect(seen).toEqual({ gone: true, removalOnDisk: true })
    })
  }
})
