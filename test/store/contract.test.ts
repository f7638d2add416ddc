import { transaction as pendingTransaction } from './records.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { abandonedAt } from '../../src/webhooks/abandon.js'
import { callbackTokenHash } from '../../src/store/tokens.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { loadMigrations, migrate } from '../../src/store/postgres/migrations.js'
import { PgStore } from '../../src/store/postgres/pg-store.js'
import type { DeliveryRecord, IdempotencyRecord, PayoutRecord, TransactionRecord, WebhookEndpointRecord } from '../../src/store/records.js'
import type { EventDraft, Store } from '../../src/store/store.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'

/**
 * One contract for every Store: what the gateway relies on, including under concurrency. Each
 * engine gets the same cases; "processes" are several store objects on one database for
 * PostgreSQL (each with its own pool, as several gateways would have), one object for lowdb
 * (a lowdb file belongs to one process).
 */
interface Engine {
  name: 'lowdb' | 'postgres'
  /** A fresh, empty, open store. */
  open(): Promise<Store>
  /** Another process on the same store (the same object for lowdb). */
  peer(): Promise<Store>
  cleanup(): Promise<void>
}

function lowdbEngine(): Engine {
  let dir = ''
  let store: LowdbStore | undefined
  return {
    name: 'lowdb',
    async open() {
      dir = mkdtempSync(join(tmpdir(), 'mpg-contract-'))
      store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
      await store.open()
      return store
    },
    async peer() {
      return store!
    },
    async cleanup() {
      await store?.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function postgresEngine(): Engine {
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined
  const stores: PgStore[] = []
  const make = async () => {
    const store = new PgStore(db!.url, { deliverTo: deliversTo })
    stores.push(store)
    await store.open()
    return store
  }
  return {
    name: 'postgres',
    async open() {
      db = await freshDatabase()
      return make()
    },
    peer: make,
    async cleanup() {
      for (const s of stores) await s.close()
      await db?.drop()
    },
  }
}

let counter = 0
function transaction(overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  return pendingTransaction(`txn-${process.pid}-${++counter}`, overrides)
}

function endpoint(overrides: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord {
  return {
    id: `we_${++counter}`,
    account_id: 'acct_1',
    mode: 'test',
    url: 'http://127.0.0.1:9/hook',
    events: [],
    sealed_secret: 'sealed',
    created_at: new Date().toISOString(),
    deleted_at: null,
    ...overrides,
  }
}

const claim = (scope: string, transactionId: string): IdempotencyRecord => ({
  scope,
  fingerprint: 'f',
  state: 'in_flight',
  status_code: null,
  response: null,
  transaction_id: transactionId,
  created_at: new Date().toISOString(),
})

/** Settles a pending payment with its payment event (what finalizePayment does). */
const settle = (store: Store, id: string) =>
  store.transition({
    transactionId: id,
    guard: (t) => t.status === 'pending',
    patch: () => ({ status: 'success', completed_at: new Date().toISOString() }),
    events: (t) => [{ event: 'payment.success', data: { transaction_id: t.id } }],
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
/**
 * A lease that runs out within the test. Long enough that the checks made while it runs (three
 * store calls, on PostgreSQL three round trips) finish inside it on a loaded machine: with 300 ms
 * a pause of the machine between the calls would let it run out and the peer take it.
 */
const SHORT_LEASE_MS = 2000

/** A pending M-Pesa payout whose first B2C is due now; override any field. */
const duePayout = (overrides: Partial<PayoutRecord> = {}): PayoutRecord => ({
  status: 'pending',
  type: 'mpesa',
  amount: 98,
  destination: { type: 'mpesa', phone: '254700000000' },
  originator_conversation_id: `mpg-${++counter}`,
  callback_token: `ptok-${counter}`,
  conversation_id: null,
  attempts: 0,
  created_at: new Date(Date.now() - 1000).toISOString(),
  updated_at: new Date(Date.now() - 1000).toISOString(),
  ...overrides,
})

const engines: Array<{ name: string; make: () => Engine; available: boolean }> = [
  { name: 'lowdb', make: lowdbEngine, available: true },
  { name: 'postgres', make: postgresEngine, available: pgServerUrl !== null },
]

describe.each(engines)('Store contract: $name', ({ make, available }) => {
  const engine = make()
  let store: Store

  beforeAll(async () => {
    if (available) store = await engine.open()
  })
  afterAll(async () => {
    if (available) await engine.cleanup()
  })

  it.skipIf(!available)('stores and finds records by every lookup the gateway uses', async () => {
    const payout = { status: 'pending' as const, type: 'mpesa' as const, amount: 98, destination: { type: 'mpesa' as const, phone: '254700000000' }, callback_token: `ptok-${++counter}`, created_at: 'x', updated_at: 'x' }
    const t = transaction({ payout })
    await store.insertTransaction(t)
    // Callback tokens come back as their hashes: the store never keeps them in clear.
    expect(await store.getTransaction(t.id)).toEqual({ ...t, callback_token: callbackTokenHash(t.callback_token), payout: { ...payout, callback_token: callbackTokenHash(payout.callback_token) } })
    expect((await store.findTransactionByCheckoutRequestId(t.checkout_request_id!))?.id).toBe(t.id)
    expect((await store.findTransactionByCallbackToken(t.callback_token))?.id).toBe(t.id)
    expect((await store.findTransactionByPayoutToken(payout.callback_token))?.id).toBe(t.id)
    expect((await store.listPendingPayouts()).map((x) => x.id)).toContain(t.id)
    expect(await store.getTransaction('missing')).toBeUndefined()

    await store.setMeta('k', 'v1')
    await store.setMeta('k', 'v2')
    expect(await store.getMeta('k')).toBe('v2')

    const account = { id: `acct_${++counter}`, name: 'A', payout_account: null, created_at: new Date().toISOString() }
    await store.createAccount(account)
    expect(await store.getAccount(account.id)).toEqual(account)
    expect((await store.listAccounts()).map((a) => a.id)).toContain(account.id)

    const key = { id: `key_${++counter}`, account_id: account.id, mode: 'test' as const, name: null, prefix: 'mpg_test_x', hash: `h${counter}`, created_at: 'c', last_used_at: null, revoked_at: null }
    await store.createApiKey(key)
    expect((await store.findApiKeyByHash(key.hash))?.id).toBe(key.id)
    expect((await store.revokeApiKey(key.id, '2026-01-01T00:00:00.000Z'))?.revoked_at).toBe('2026-01-01T00:00:00.000Z')
    // Revoking twice keeps the first time.
    expect((await store.revokeApiKey(key.id, '2027-01-01T00:00:00.000Z'))?.revoked_at).toBe('2026-01-01T00:00:00.000Z')
  })

  it.skipIf(!available)('pages transactions newest first, by account, mode and status', async () => {
    const account_id = `acct_page_${++counter}`
    const made: TransactionRecord[] = []
    for (let i = 0; i < 5; i++) {
      const t = transaction({ account_id, status: i % 2 ? 'failed' : 'pending' })
      made.push(t)
      await store.insertTransaction(t)
    }
    await store.insertTransaction(transaction({ account_id, mode: 'live' }))
    const first = await store.listTransactions({ account_id, mode: 'test', limit: 2 })
    expect(first.data.map((t) => t.id)).toEqual([made[4].id, made[3].id])
    expect(first.has_more).toBe(true)
    const rest = await store.listTransactions({ account_id, mode: 'test', limit: 5, starting_after: made[3].id })
    expect(rest.data.map((t) => t.id)).toEqual([made[2].id, made[1].id, made[0].id])
    expect(rest.has_more).toBe(false)
    const failed = await store.listTransactions({ account_id, mode: 'test', status: 'failed', limit: 10 })
    expect(failed.data.map((t) => t.id)).toEqual([made[3].id, made[1].id])
  })

  it.skipIf(!available)('filters transactions by exact reference, with status and the cursor', async () => {
    const account_id = `acct_ref_${++counter}`
    const made: TransactionRecord[] = []
    for (let i = 0; i < 6; i++) {
      const t = transaction({ account_id, reference: i % 2 ? 'ORDER-7' : `ORDER-7${i}`, status: i === 5 ? 'failed' : 'pending' })
      made.push(t)
      await store.insertTransaction(t)
    }
    await store.insertTransaction(transaction({ account_id, mode: 'live', reference: 'ORDER-7' }))
    await store.insertTransaction(transaction({ account_id: `${account_id}_other`, reference: 'ORDER-7' }))
    const first = await store.listTransactions({ account_id, mode: 'test', reference: 'ORDER-7', limit: 2 })
    expect(first.data.map((t) => t.id)).toEqual([made[5].id, made[3].id])
    expect(first.has_more).toBe(true)
    const rest = await store.listTransactions({ account_id, mode: 'test', reference: 'ORDER-7', limit: 2, starting_after: made[3].id })
    expect(rest.data.map((t) => t.id)).toEqual([made[1].id])
    expect(rest.has_more).toBe(false)
    const pending = await store.listTransactions({ account_id, mode: 'test', reference: 'ORDER-7', status: 'pending', limit: 10 })
    expect(pending.data.map((t) => t.id)).toEqual([made[3].id, made[1].id])
    // Exact, not prefix or case-insensitive.
    expect((await store.listTransactions({ account_id, mode: 'test', reference: 'ORDER-', limit: 10 })).data).toEqual([])
    expect((await store.listTransactions({ account_id, mode: 'test', reference: 'order-7', limit: 10 })).data).toEqual([])
  })

  it.skipIf(!available)('16 concurrent settlements of one payment: one final state, one event, one delivery per endpoint', async () => {
    const account_id = `acct_settle_${++counter}`
    await store.createWebhookEndpoint(endpoint({ account_id }))
    const t = transaction({ account_id })
    await store.insertTransaction(t)
    const peers = [store, await engine.peer(), await engine.peer()]
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => settle(peers[i % peers.length], t.id)))
    const winners = results.filter((r) => r !== undefined)
    expect(winners).toHaveLength(1)
    expect(winners[0]!.events).toHaveLength(1)
    expect(winners[0]!.deliveries).toHaveLength(1)
    expect((await store.getTransaction(t.id))?.status).toBe('success')
    const events = await store.listEventsAfter(account_id, 'test', 0, 100)
    expect(events.map((e) => e.event)).toEqual(['payment.success'])
    expect(await store.listDeliveriesForEvent(events[0].id)).toHaveLength(1)
  })

  it.skipIf(!available)("deliverySucceededSince: a success of this endpoint's recorded at or after the time, and nothing else", async () => {
    const account_id = `acct_succeeded_${++counter}`
    const mine = endpoint({ account_id })
    await store.createWebhookEndpoint(mine)
    const deliveryOf = async () => {
      const t = transaction({ account_id })
      await store.insertTransaction(t)
      return (await settle(store, t.id))!.deliveries[0]
    }
    const [old, recent, pending] = [await deliveryOf(), await deliveryOf(), await deliveryOf()]
    await store.updateDelivery(old.id, (d) => ({ ...d, status: 'succeeded', next_attempt_at: null, updated_at: '2026-01-01T00:00:00.000Z' }))
    expect(await store.deliverySucceededSince(mine.id, '2026-01-01T00:00:00.001Z')).toBe(false)
    // A delivery still pending (or failed) at a later time is no success.
    await store.updateDelivery(pending.id, (d) => ({ ...d, updated_at: '2026-01-03T00:00:00.000Z' }))
    expect(await store.deliverySucceededSince(mine.id, '2026-01-02T00:00:00.000Z')).toBe(false)
    await store.updateDelivery(recent.id, (d) => ({ ...d, status: 'succeeded', next_attempt_at: null, updated_at: '2026-01-02T00:00:00.000Z' }))
    expect(await store.deliverySucceededSince(mine.id, '2026-01-02T00:00:00.000Z')).toBe(true)
    expect(await store.deliverySucceededSince(mine.id, '2026-01-01T12:00:00.000Z')).toBe(true)
    expect(await store.deliverySucceededSince(`${mine.id}_other`, '2025-01-01T00:00:00.000Z')).toBe(false)
  })

  it.skipIf(!available)("pages one endpoint's deliveries newest first in the order stored: cursor, limit, status, never another endpoint's", async () => {
    const account_id = `acct_dpage_${++counter}`
    const [mine, other] = [endpoint({ account_id }), endpoint({ account_id })]
    await store.createWebhookEndpoint(mine)
    await store.createWebhookEndpoint(other)
    // Every delivery made in the same millisecond: created_at ties, the order stored does not.
    const at = '2026-02-01T00:00:00.000Z'
    const delivery = (endpoint_id: string, status: DeliveryRecord['status']): DeliveryRecord => ({
      id: `wd_page_${++counter}`,
      event_id: `evt_page_${counter}`,
      endpoint_id,
      account_id,
      mode: 'test',
      event: 'payment.success',
      status,
      attempts: [],
      next_attempt_at: status === 'pending' ? at : null,
      created_at: at,
      updated_at: at,
    })
    const made: DeliveryRecord[] = []
    for (let i = 0; i < 7; i++) {
      const d = delivery(mine.id, i === 1 || i === 4 ? 'failed' : i === 5 ? 'pending' : 'succeeded')
      made.push(d)
      await store.createDelivery(d)
      await store.createDelivery(delivery(other.id, 'failed'))
    }
    const ids = (page: { data: DeliveryRecord[] } | undefined) => page!.data.map((d) => d.id)
    const page = (query: { status?: DeliveryRecord['status']; limit: number; starting_after?: string }) => store.listEndpointDeliveries({ endpoint_id: mine.id, ...query })

    const first = await page({ limit: 3 })
    expect(first).toEqual({ data: [made[6], made[5], made[4]], has_more: true })
    const second = await page({ limit: 3, starting_after: made[4].id })
    expect(ids(second)).toEqual([made[3].id, made[2].id, made[1].id])
    expect(second!.has_more).toBe(true)
    // Exactly `limit` left: no more after them (the store reads one past the page to know).
    expect(await page({ limit: 3, starting_after: made[3].id })).toEqual({ data: [made[2], made[1], made[0]], has_more: false })
    expect(await page({ limit: 3, starting_after: made[0].id })).toEqual({ data: [], has_more: false })
    expect(ids(await page({ limit: 100 }))).toEqual([...made].reverse().map((d) => d.id))

    expect(await page({ status: 'failed', limit: 10 })).toEqual({ data: [made[4], made[1]], has_more: false })
    expect(await page({ status: 'failed', limit: 1 })).toEqual({ data: [made[4]], has_more: true })
    expect(await page({ status: 'failed', limit: 1, starting_after: made[4].id })).toEqual({ data: [made[1]], has_more: false })
    // The cursor need not have the status filtered on.
    expect(ids(await page({ status: 'failed', limit: 10, starting_after: made[5].id }))).toEqual([made[4].id, made[1].id])
    expect(ids(await page({ status: 'pending', limit: 10 }))).toEqual([made[5].id])

    // A status changed is listed under the new one, in its place.
    await store.updateDelivery(made[5].id, (d) => ({ ...d, status: 'failed', next_attempt_at: null }))
    expect(ids(await page({ status: 'failed', limit: 10 }))).toEqual([made[5].id, made[4].id, made[1].id])
    expect(await page({ status: 'pending', limit: 10 })).toEqual({ data: [], has_more: false })

    // A cursor of another endpoint, or of none, is no cursor here: no page (never the other
    // endpoint's deliveries), told apart from an empty one in the same read.
    const others = (await store.listEndpointDeliveries({ endpoint_id: other.id, limit: 100 }))!
    expect(others.data).toHaveLength(7)
    expect(others.data.every((d) => d.endpoint_id === other.id)).toBe(true)
    expect(await page({ limit: 10, starting_after: others.data[3].id })).toBeUndefined()
    expect(await page({ limit: 10, starting_after: 'wd_missing' })).toBeUndefined()
    expect(await store.listEndpointDeliveries({ endpoint_id: 'we_none', limit: 10 })).toEqual({ data: [], has_more: false })
    expect(await store.listEndpointDeliveries({ endpoint_id: 'we_none', limit: 10, starting_after: made[0].id })).toBeUndefined()

    // A cursor that retention removed is no cursor either: not an empty page, which a client
    // would read as the end of the log while older deliveries (pending ones) are still kept.
    const owed = delivery(mine.id, 'pending')
    await store.createDelivery(owed)
    while ((await store.pruneHistory('2999-01-01T00:00:00.000Z', 500)).deliveries > 0);
    expect(await page({ limit: 10 })).toEqual({ data: [owed], has_more: false })
    expect(await page({ limit: 10, starting_after: made[3].id })).toBeUndefined()
  })

  it.skipIf(!available)('updateWebhookEndpoint: concurrent disables make one change and one event; disabled endpoints get no deliveries', async () => {
    const account_id = `acct_disable_${++counter}`
    const failing = endpoint({ account_id, failing_since: '2026-01-01T00:00:00.000Z' })
    const other = endpoint({ account_id })
    await store.createWebhookEndpoint(failing)
    await store.createWebhookEndpoint(other)
    const peers = [store, await engine.peer(), await engine.peer()]
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        peers[i % peers.length].updateWebhookEndpoint(
          failing.id,
          (e) => (e.disabled_at ? undefined : { ...e, disabled_at: '2026-01-02T00:00:00.000Z' }),
          (e) => [{ event: 'webhook_endpoint.disabled', data: { id: e.id } }],
        ),
      ),
    )
    const winners = results.filter((r) => r !== undefined)
    expect(winners).toHaveLength(1)
    expect(winners[0]!.endpoint).toMatchObject({ id: failing.id, disabled_at: '2026-01-02T00:00:00.000Z', failing_since: '2026-01-01T00:00:00.000Z' })
    // The event goes to the other endpoint only: the disabled one is no longer a receiver.
    expect(winners[0]!.deliveries.map((d) => d.endpoint_id)).toEqual([other.id])
    expect((await store.getWebhookEndpoint(failing.id))?.disabled_at).toBe('2026-01-02T00:00:00.000Z')
    const t = transaction({ account_id })
    await store.insertTransaction(t)
    expect((await settle(store, t.id))!.deliveries.map((d) => d.endpoint_id)).toEqual([other.id])
    // Deleted endpoints are not changed.
    await store.deleteWebhookEndpoint(other.id, new Date().toISOString())
    expect(await store.updateWebhookEndpoint(other.id, (e) => ({ ...e, url: 'http://x' }))).toBeUndefined()
  })

  /**
   * Two endpoints of one account, each with four payments' deliveries: two pending (`a`, `b`), one
   * leased by another process's worker (`leased`), one finished (`done`) — what a `pending` change
   * of `target` may and may not touch.
   */
  async function deliveriesInEachState(prefix: string) {
    const account_id = `${prefix}_${++counter}`
    const target = endpoint({ account_id })
    const other = endpoint({ account_id })
    await store.createWebhookEndpoint(target)
    await store.createWebhookEndpoint(other)
    const deliveriesOf = async () => {
      const t = transaction({ account_id })
      await store.insertTransaction(t)
      const { deliveries } = (await settle(store, t.id))!
      return { mine: deliveries.find((d) => d.endpoint_id === target.id)!, theirs: deliveries.find((d) => d.endpoint_id === other.id)! }
    }
    const [a, b, leased, done] = [await deliveriesOf(), await deliveriesOf(), await deliveriesOf(), await deliveriesOf()]
    const peer = await engine.peer()
    expect(await peer.claimDelivery(leased.mine.id, 'worker-1', 60_000)).toBeDefined()
    expect(await store.claimDelivery(done.mine.id, 'worker-2', 60_000)).toBeDefined()
    await store.completeDelivery(done.mine.id, 'worker-2', (d) => ({ ...d, status: 'succeeded', next_attempt_at: null }))
    return { target, other, a, b, leased, done, peer }
  }

  type DeliveriesInEachState = Awaited<ReturnType<typeof deliveriesInEachState>>

  /** Only the target's free pending deliveries were failed; the leased one is still its worker's to record. */
  async function expectFreePendingFailed({ a, b, leased, done, peer }: DeliveriesInEachState, changed: DeliveryRecord[], at: string) {
    expect(changed.map((d) => d.id).sort()).toEqual([a.mine.id, b.mine.id].sort())
    for (const d of [a.mine, b.mine]) expect(await store.getDelivery(d.id)).toMatchObject({ status: 'failed', next_attempt_at: null, updated_at: at, event_id: d.event_id })
    expect((await store.listPendingDeliveries()).map((d) => d.id)).not.toContain(a.mine.id)
    expect((await store.getDelivery(leased.mine.id))?.status).toBe('pending')
    expect((await store.getDelivery(done.mine.id))?.status).toBe('succeeded')
    for (const d of [a, b, leased, done]) expect((await store.getDelivery(d.theirs.id))?.status).toBe('pending')
    // The attempt in flight is recorded by its worker as before.
    expect((await peer.completeDelivery(leased.mine.id, 'worker-1', (d) => ({ ...d, status: 'failed', next_attempt_at: null })))?.status).toBe('failed')
  }

  it.skipIf(!available)('updateWebhookEndpoint with `pending`: the endpoint\'s pending deliveries no live lease holds are changed in the same write; leased, finished and other endpoints\' are not', async () => {
    const fixture = await deliveriesInEachState('acct_disable_pending')
    const { target, other, a } = fixture
    const at = '2026-01-02T00:00:00.000Z'
    const result = await store.updateWebhookEndpoint(target.id, (e) => ({ ...e, disabled_at: at }), undefined, abandonedAt(at))
    await expectFreePendingFailed(fixture, result!.pendingChanged, at)
    // A change that makes nothing of the endpoint changes no delivery either.
    expect(await store.updateWebhookEndpoint(other.id, () => undefined, undefined, (d) => ({ ...d, status: 'failed' }))).toBeUndefined()
    expect((await store.getDelivery(a.theirs.id))?.status).toBe('pending')
  })

  it.skipIf(!available)('deleteWebhookEndpoint with `pending`: the endpoint\'s pending deliveries no live lease holds are changed in the same write; leased, finished and other endpoints\' are not', async () => {
    const fixture = await deliveriesInEachState('acct_delete_pending')
    const { target, other, a } = fixture
    const at = '2026-01-03T00:00:00.000Z'
    const result = await store.deleteWebhookEndpoint(target.id, at, abandonedAt(at))
    expect(result!.endpoint).toMatchObject({ id: target.id, deleted_at: at })
    await expectFreePendingFailed(fixture, result!.pendingChanged, at)
    expect((await store.getWebhookEndpoint(target.id))?.deleted_at).toBe(at)
    // Deleted already: undefined, and no delivery is changed.
    expect(await store.deleteWebhookEndpoint(target.id, at, (d) => ({ ...d, status: 'failed' }))).toBeUndefined()
    // Without `pending`, a delete leaves the deliveries as they are.
    expect((await store.deleteWebhookEndpoint(other.id, at))!.pendingChanged).toEqual([])
    expect((await store.getDelivery(a.theirs.id))?.status).toBe('pending')
  })

  const unbuildable: Record<string, () => EventDraft[]> = {
    'a draft that throws': () => {
      throw new Error('cannot build the event')
    },
    'a draft that is not JSON (cannot be stored)': () => [{ event: 'payment.success', data: { amount: 10n } }],
  }
  for (const [how, events] of Object.entries(unbuildable)) {
    it.skipIf(!available)(`a change whose events cannot be made (${how}) changes nothing: the payment stays pending for the reconciler, no event, nothing written later`, async () => {
      const account_id = `acct_rollback_${++counter}`
      await store.createWebhookEndpoint(endpoint({ account_id }))
      const t = transaction({ account_id, created_at: new Date(Date.now() - 60_000).toISOString() })
      await store.insertTransaction(t)
      const broken = store.transition({
        transactionId: t.id,
        guard: (x) => x.status === 'pending',
        patch: () => ({ status: 'success', completed_at: new Date().toISOString() }),
        events,
      })
      await expect(broken).rejects.toThrow()
      // A later write (another payment) must not carry the failed change to disk either.
      await store.insertTransaction(transaction({ account_id }))
      expect((await store.getTransaction(t.id))?.status).toBe('pending')
      expect((await store.listPendingTransactions(new Date(Date.now() - 30_000).toISOString())).map((x) => x.id)).toContain(t.id)
      expect(await store.listEventsAfter(account_id, 'test', 0, 100)).toEqual([])
      // The reconciler's settle then goes through, with its one event.
      expect((await settle(store, t.id))?.events.map((e) => e.event)).toEqual(['payment.success'])
      expect((await store.listEventsAfter(account_id, 'test', 0, 100)).map((e) => e.seq)).toHaveLength(1)
    })
  }

  it.skipIf(!available)('an insert that fails while it is being made claims no Idempotency-Key: the key stays free', async () => {
    const account_id = `acct_rollback_${++counter}`
    const scope = `${account_id}:test:order-1`
    const bad = { ...transaction({ account_id }), callback_token: undefined } as unknown as TransactionRecord
    await expect(store.insertTransaction(bad, { idempotency: claim(scope, bad.id) })).rejects.toThrow()
    await store.insertTransaction(transaction({ account_id }))
    expect(await store.getIdempotency(scope)).toBeUndefined()
    expect(await store.listInFlightIdempotency()).not.toContainEqual(expect.objectContaining({ scope }))
    const good = transaction({ account_id })
    expect(await store.insertTransaction(good, { idempotency: claim(scope, good.id) })).toEqual({})
  })

  for (const [how, events] of Object.entries(unbuildable)) {
    it.skipIf(!available)(`an endpoint change whose events cannot be made (${how}) changes nothing`, async () => {
      const account_id = `acct_rollback_${++counter}`
      const e = endpoint({ account_id })
      await store.createWebhookEndpoint(e)
      const broken = store.updateWebhookEndpoint(e.id, (x) => ({ ...x, disabled_at: '2026-01-02T00:00:00.000Z' }), events)
      await expect(broken).rejects.toThrow()
      await store.createWebhookEndpoint(endpoint({ account_id }))
      expect((await store.getWebhookEndpoint(e.id))?.disabled_at ?? null).toBeNull()
      expect(await store.listEventsAfter(account_id, 'test', 0, 100)).toEqual([])
    })
  }

  it.skipIf(!available)('50 concurrent claims of one Idempotency-Key: one transaction stored, the others get the claim', async () => {
    const account_id = `acct_idem_${++counter}`
    const scope = `${account_id}:test:key-1`
    const peers = [store, await engine.peer(), await engine.peer()]
    const attempts = Array.from({ length: 50 }, () => transaction({ account_id }))
    const results = await Promise.all(attempts.map((t, i) => peers[i % peers.length].insertTransaction(t, { idempotency: claim(scope, t.id) })))
    const won = results.flatMap((r, i) => (r.existing ? [] : [attempts[i].id]))
    expect(won).toHaveLength(1)
    for (const r of results) if (r.existing) expect(r.existing.transaction_id).toBe(won[0])
    const stored = await store.listTransactions({ account_id, mode: 'test', limit: 100 })
    expect(stored.data.map((t) => t.id)).toEqual(won)
    expect((await store.getIdempotency(scope))?.transaction_id).toBe(won[0])
  })

  it.skipIf(!available)('three workers claiming at once get disjoint deliveries, and all of them', async () => {
    const account_id = `acct_claim_${++counter}`
    await store.createWebhookEndpoint(endpoint({ account_id }))
    await store.createWebhookEndpoint(endpoint({ account_id }))
    for (let i = 0; i < 20; i++) {
      const t = transaction({ account_id })
      await store.insertTransaction(t)
      await settle(store, t.id)
    }
    const ours = new Set((await store.listPendingDeliveries()).filter((d) => d.account_id === account_id).map((d) => d.id))
    expect(ours.size).toBe(40)
    const workers = [store, await engine.peer(), await engine.peer()]
    const got = await Promise.all(
      workers.map(async (w, i) => {
        const mine: string[] = []
        for (;;) {
          const batch = await w.claimDueDeliveries(`worker-${i}`, 60_000, 3)
          if (batch.length === 0) return mine
          mine.push(...batch.map((d) => d.id))
        }
      }),
    )
    const all = got.flat().filter((id) => ours.has(id))
    expect(new Set(all).size).toBe(all.length)
    expect(new Set(all)).toEqual(ours)
    // Leased: nobody gets them again while the leases run.
    expect((await store.claimDueDeliveries('worker-9', 60_000, 100)).filter((d) => ours.has(d.id))).toEqual([])
  })

  it.skipIf(!available)('a lease that runs out is taken again, and the first owner can no longer complete it', async () => {
    const account_id = `acct_lease_${++counter}`
    await store.createWebhookEndpoint(endpoint({ account_id }))
    const t = transaction({ account_id })
    await store.insertTransaction(t)
    const [delivery] = (await settle(store, t.id))!.deliveries
    const other = await engine.peer()
    const claimedAt = Date.now()
    expect((await store.claimDelivery(delivery.id, 'a', SHORT_LEASE_MS))?.id).toBe(delivery.id)
    expect(await other.claimDelivery(delivery.id, 'b', SHORT_LEASE_MS)).toBeUndefined()
    expect((await other.claimDueDeliveries('b', SHORT_LEASE_MS, 100)).map((d) => d.id)).not.toContain(delivery.id)
    await sleep(claimedAt + SHORT_LEASE_MS + 150 - Date.now())
    const retaken = (await other.claimDueDeliveries('b', 60_000, 100)).map((d) => d.id)
    expect(retaken).toContain(delivery.id)
    const succeed = (d: typeof delivery) => ({ ...d, status: 'succeeded' as const, next_attempt_at: null })
    expect(await store.completeDelivery(delivery.id, 'a', succeed)).toBeUndefined()
    expect((await store.getDelivery(delivery.id))?.status).toBe('pending')
    expect((await other.completeDelivery(delivery.id, 'b', succeed))?.status).toBe('succeeded')
    expect((await store.getDelivery(delivery.id))?.status).toBe('succeeded')
    // Completed: no longer claimable by anyone.
    expect(await store.claimDelivery(delivery.id, 'c', 1000)).toBeUndefined()
  })

  it.skipIf(!available)('a released lease is free at once', async () => {
    const account_id = `acct_release_${++counter}`
    await store.createWebhookEndpoint(endpoint({ account_id }))
    const t = transaction({ account_id })
    await store.insertTransaction(t)
    const [delivery] = (await settle(store, t.id))!.deliveries
    const other = await engine.peer()
    expect(await store.claimDelivery(delivery.id, 'a', 60_000)).toBeDefined()
    await store.releaseDelivery(delivery.id, 'a')
    expect((await other.claimDelivery(delivery.id, 'b', 60_000))?.id).toBe(delivery.id)
  })

  it.skipIf(!available)('three workers claiming one due payout at once: one runs it (one B2C), the others get nothing', async () => {
    const t = transaction({ payout: duePayout() })
    await store.insertTransaction(t)
    // Not due yet (a retry scheduled later), and another that is not an M-Pesa payout: never claimed by a pass.
    const later = transaction({ payout: duePayout({ next_attempt_at: new Date(Date.now() + 60_000).toISOString() }) })
    const manual = transaction({ payout: { ...duePayout(), status: 'pending_manual', type: 'paybill', destination: { type: 'paybill', paybill: '522522', account_number: '1' } } })
    await store.insertTransaction(later)
    await store.insertTransaction(manual)
    const workers = [store, await engine.peer(), await engine.peer()]
    // Each worker "sends the B2C" of every payout it gets, by either way of claiming.
    const b2c: string[] = []
    await Promise.all(
      workers.flatMap((w, i) => [
        w.claimDuePayouts(`worker-${i}`, 60_000, 100).then((got) => got.forEach((x) => x.id === t.id && b2c.push(`worker-${i}`))),
        w.claimPayout(t.id, `worker-${i}b`, 60_000).then((got) => got && b2c.push(`worker-${i}b`)),
      ]),
    )
    expect(b2c).toHaveLength(1)
    const claimedByPass = await store.claimDuePayouts('worker-9', 60_000, 100)
    expect(claimedByPass.map((x) => x.id)).not.toContain(t.id)
    expect(claimedByPass.map((x) => x.id)).not.toContain(later.id)
    expect(claimedByPass.map((x) => x.id)).not.toContain(manual.id)
    // The winner's step is recorded and its lease given back: the payout waits for its result, unleased.
    const winner = b2c[0]
    const taken = await workers[Number(winner.slice(7, 8))].transition({
      transactionId: t.id,
      payoutLeaseOwner: winner,
      guard: (c) => c.payout?.status === 'pending',
      patch: (c) => ({ payout: { ...c.payout!, conversation_id: 'AG_1', attempts: 1, status_due_at: new Date(Date.now() + 60_000).toISOString() } }),
    })
    expect(taken?.transaction.payout?.conversation_id).toBe('AG_1')
    await workers[Number(winner.slice(7, 8))].releasePayout(t.id, winner)
    expect((await store.claimDuePayouts('worker-9', 60_000, 100)).map((x) => x.id)).not.toContain(t.id)
    expect((await store.claimPayout(t.id, 'worker-9', 60_000))?.payout?.conversation_id).toBe('AG_1')
  })

  it.skipIf(!available)('a payout lease that runs out is taken again, and the first owner can no longer record its step', async () => {
    const t = transaction({ payout: duePayout() })
    await store.insertTransaction(t)
    const other = await engine.peer()
    const claimedAt = Date.now()
    expect((await store.claimPayout(t.id, 'a', SHORT_LEASE_MS))?.id).toBe(t.id)
    expect(await other.claimPayout(t.id, 'b', SHORT_LEASE_MS)).toBeUndefined()
    expect((await other.claimDuePayouts('b', SHORT_LEASE_MS, 100)).map((x) => x.id)).not.toContain(t.id)
    await sleep(claimedAt + SHORT_LEASE_MS + 150 - Date.now())
    expect((await other.claimDuePayouts('b', 60_000, 100)).map((x) => x.id)).toContain(t.id)
    const record = (owner: string, conversation: string) =>
      store.transition({
        transactionId: t.id,
        payoutLeaseOwner: owner,
        guard: (c) => c.payout?.status === 'pending' && !c.payout.conversation_id,
        patch: (c) => ({ payout: { ...c.payout!, conversation_id: conversation } }),
      })
    expect(await record('a', 'AG_late')).toBeUndefined()
    expect((await store.getTransaction(t.id))?.payout?.conversation_id).toBeNull()
    expect((await record('b', 'AG_b'))?.transaction.payout?.conversation_id).toBe('AG_b')
    // Released by its owner only: the first owner's release leaves b's lease in place.
    await store.releasePayout(t.id, 'a')
    expect(await store.claimPayout(t.id, 'c', 60_000)).toBeUndefined()
    await other.releasePayout(t.id, 'b')
    expect((await store.claimPayout(t.id, 'c', 60_000))?.id).toBe(t.id)
  })

  it.skipIf(!available)('events resume by seq, per account and across accounts', async () => {
    const a = `acct_ev_a_${++counter}`
    const b = `acct_ev_b_${counter}`
    const start = await store.lastEventSeq()
    for (const account_id of [a, b, a]) {
      const t = transaction({ account_id })
      await store.insertTransaction(t)
      await settle(store, t.id)
    }
    const ofA = await store.listEventsAfter(a, 'test', 0, 100)
    expect(ofA).toHaveLength(2)
    expect(ofA[0].seq).toBeLessThan(ofA[1].seq)
    expect(await store.listEventsAfter(a, 'test', ofA[0].seq, 100)).toEqual([ofA[1]])
    expect(await store.getEvent(ofA[1].id)).toEqual(ofA[1])
    const all = await store.listAllEventsAfter(start, 100)
    expect(all.map((e) => e.account_id)).toEqual([a, b, a])
    expect(await store.lastEventSeq()).toBe(all[2].seq)
  })

  it.skipIf(!available)('pending payments and payouts are listed until they settle, oldest first', async () => {
    const account_id = `acct_pending_${++counter}`
    const older = transaction({ account_id, created_at: new Date(Date.now() - 60_000).toISOString() })
    const newer = transaction({ account_id })
    await store.insertTransaction(older)
    await store.insertTransaction(newer)
    const ours = async (createdBefore: string) => (await store.listPendingTransactions(createdBefore)).filter((t) => t.account_id === account_id).map((t) => t.id)
    expect(await ours(new Date(Date.now() + 1000).toISOString())).toEqual([older.id, newer.id])
    expect(await ours(new Date(Date.now() - 30_000).toISOString())).toEqual([older.id])
    const payout = { status: 'pending' as const, type: 'mpesa' as const, amount: 98, destination: { type: 'mpesa' as const, phone: '254700000000' }, created_at: 'x', updated_at: 'x' }
    await store.transition({ transactionId: older.id, guard: () => true, patch: () => ({ status: 'success', payout }) })
    expect(await ours(new Date(Date.now() + 1000).toISOString())).toEqual([newer.id])
    expect((await store.listPendingPayouts()).map((t) => t.id)).toContain(older.id)
    await store.transition({ transactionId: older.id, guard: () => true, patch: (t) => ({ payout: { ...t.payout!, status: 'needs_attention' } }) })
    expect((await store.listPendingPayouts()).map((t) => t.id)).not.toContain(older.id)
    expect((await store.listPayoutsByStatus('needs_attention', 100)).map((t) => t.id)).toContain(older.id)
  })

  it.skipIf(!available)('a pending payment stored after a younger one (a clock stepped back) is still listed once due', async () => {
    const account_id = `acct_pending_${++counter}`
    const younger = transaction({ account_id })
    const older = transaction({ account_id, created_at: new Date(Date.now() - 60_000).toISOString() })
    await store.insertTransaction(younger)
    await store.insertTransaction(older)
    const ours = async (createdBefore: string) => (await store.listPendingTransactions(createdBefore)).filter((t) => t.account_id === account_id).map((t) => t.id)
    expect(await ours(new Date(Date.now() - 30_000).toISOString())).toEqual([older.id])
    expect((await ours(new Date(Date.now() + 1000).toISOString())).sort()).toEqual([older.id, younger.id].sort())
  })

  it.skipIf(!available)('retention: finished deliveries and then their events go after the window, in bounded batches; pending deliveries, their events and transactions stay', async () => {
    const account_id = `acct_retention_${++counter}`
    await store.createWebhookEndpoint(endpoint({ account_id }))
    const [done, owed] = [transaction({ account_id }), transaction({ account_id })]
    for (const t of [done, owed]) await store.insertTransaction(t)
    const first = (await settle(store, done.id))!
    const second = (await settle(store, owed.id))!
    await store.updateDelivery(first.deliveries[0].id, (d) => ({ ...d, status: 'succeeded', next_attempt_at: null }))
    const cutoff = new Date(Date.now() + 1).toISOString()
    await sleep(5)
    const fresh = transaction({ account_id })
    await store.insertTransaction(fresh)
    const young = (await settle(store, fresh.id))!
    await store.updateDelivery(young.deliveries[0].id, (d) => ({ ...d, status: 'failed', next_attempt_at: null }))

    const batch = await store.pruneHistory(cutoff, 1)
    expect(batch.events).toBeLessThanOrEqual(1)
    expect(batch.deliveries).toBeLessThanOrEqual(1)
    for (let pass = 0; pass < 100; pass++) {
      const removed = await store.pruneHistory(cutoff, 500)
      if (removed.events + removed.deliveries === 0) break
    }
    expect(await store.getDelivery(first.deliveries[0].id)).toBeUndefined()
    expect(await store.getEvent(first.events[0].id)).toBeUndefined()
    expect(await store.listDeliveriesForEvent(first.events[0].id)).toEqual([])
    // Owed: the pending delivery and its event stay, whatever their age.
    expect((await store.getDelivery(second.deliveries[0].id))?.status).toBe('pending')
    expect(await store.getEvent(second.events[0].id)).toBeDefined()
    // Within the window: kept, finished or not; a stream resuming from before the pruned event gets what is kept.
    expect(await store.getDelivery(young.deliveries[0].id)).toBeDefined()
    const resumed = await store.listEventsAfter(account_id, 'test', 0, 100)
    expect(resumed.map((e) => e.id)).toEqual([second.events[0].id, young.events[0].id])
    // Transactions are the ledger: never pruned.
    expect((await store.getTransaction(done.id))?.status).toBe('success')
  })

  it.skipIf(!available)('Idempotency-Keys are pruned past their life in bounded batches, never while in flight', async () => {
    const old = new Date(Date.now() - 25 * 3600_000).toISOString()
    const scope = `acct_idem_${++counter}`
    const base = { fingerprint: 'f', status_code: 201, response: {}, transaction_id: null }
    for (const n of [1, 2, 3]) await store.saveIdempotency({ ...base, scope: `${scope}:old${n}`, state: 'done', created_at: old })
    await store.saveIdempotency({ ...base, scope: `${scope}:stuck`, state: 'in_flight', created_at: old })
    const before = new Date(Date.now() - 24 * 3600_000).toISOString()
    expect(await store.pruneIdempotency(before, 2)).toBe(2)
    while ((await store.pruneIdempotency(before, 2)) > 0);
    for (const n of [1, 2, 3]) expect(await store.getIdempotency(`${scope}:old${n}`)).toBeUndefined()
    expect(await store.getIdempotency(`${scope}:stuck`)).toBeDefined()
  })

  it.skipIf(!available)('one leader among the processes sharing the store', async () => {
    const peers = [store, await engine.peer(), await engine.peer()]
    const leading = await Promise.all(peers.map((p) => p.tryLead()))
    if (engine.name === 'lowdb') expect(leading).toEqual([true, true, true])
    else expect(leading.filter(Boolean)).toHaveLength(1)
  })
})

describe.skipIf(pgServerUrl === null)('PgStore only', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>
  const stores: PgStore[] = []
  const open = async () => {
    const s = new PgStore(db.url, { deliverTo: deliversTo })
    stores.push(s)
    await s.open()
    return s
  }
  beforeAll(async () => {
    db = await freshDatabase()
  })
  afterAll(async () => {
    for (const s of stores) await s.close()
    await db.drop()
  })

  it('resuming by seq misses no event when two overlapping transactions would commit in reverse order', async () => {
    const store = await open()
    const account_id = 'acct_order'
    const first = transaction({ account_id })
    const second = transaction({ account_id })
    await store.insertTransaction(first)
    await store.insertTransaction(second)
    // T1 takes its event's seq and stays open; T2 starts after it, would take a higher seq and commit first.
    const t1 = await store.pool.connect()
    await t1.query('begin')
    await store.appendEvents(t1, account_id, 'test', [{ event: 'payment.success', data: { transaction_id: first.id } }])
    const t2 = settle(store, second.id)
    // A reader polling meanwhile, resuming after the last seq it saw.
    const seen: number[] = []
    let cursor = 0
    const poll = async () => {
      for (const e of await store.listEventsAfter(account_id, 'test', cursor, 100)) {
        seen.push(e.seq)
        cursor = e.seq
      }
    }
    await sleep(300)
    await poll()
    await t1.query('commit')
    t1.release()
    await t2
    await poll()
    const stored = (await store.listEventsAfter(account_id, 'test', 0, 100)).map((e) => e.seq)
    expect(stored).toHaveLength(2)
    expect(seen).toEqual(stored)
  })

  it('two processes starting on an empty database apply the migrations once', async () => {
    const fresh = await freshDatabase()
    try {
      const a = new PgStore(fresh.url, { deliverTo: deliversTo })
      const b = new PgStore(fresh.url, { deliverTo: deliversTo })
      await Promise.all([a.open(), b.open()])
      const { rows } = await a.pool.query('select version, name from schema_migrations order by version')
      expect(rows.length).toBeGreaterThan(0)
      expect(new Set(rows.map((r) => r.version)).size).toBe(rows.length)
      await a.close()
      await b.close()
    } finally {
      await fresh.drop()
    }
  })

  it('migration 003 schedules the payouts stored before it: a pending B2C is due and leased like a new one', async () => {
    const fresh = await freshDatabase()
    const store = new PgStore(fresh.url, { deliverTo: deliversTo, migrate: false })
    try {
      await migrate(store.pool, loadMigrations().filter((m) => m.version < 3))
      const waiting = transaction({ status: 'success', payout: duePayout() })
      const taken = transaction({ status: 'success', payout: duePayout({ conversation_id: 'AG_1', status_due_at: new Date(Date.now() + 60_000).toISOString() }) })
      for (const t of [waiting, taken]) {
        await store.pool.query(
          `insert into transactions (id, account_id, mode, status, checkout_request_id, callback_token, payout_token, payout_status, created_at, doc)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::json)`,
          [t.id, t.account_id, t.mode, t.status, t.checkout_request_id, t.callback_token, t.payout!.callback_token, t.payout!.status, t.created_at, JSON.stringify(t)],
        )
      }
      await migrate(store.pool)
      await store.open()
      expect((await store.claimDuePayouts('w', 60_000, 10)).map((t) => t.id)).toEqual([waiting.id])
      const { rows } = await store.pool.query<{ id: string; due: Date }>('select id, payout_due_at as due from transactions where id = $1', [taken.id])
      expect(rows[0].due.toISOString()).toBe(taken.payout!.status_due_at)
    } finally {
      await store.close()
      await fresh.drop()
    }
  })

  it('the leader lock passes on when the leader goes away', async () => {
    const a = await open()
    const b = await open()
    const leaders = [await a.tryLead(), await b.tryLead()]
    expect(leaders.filter(Boolean)).toHaveLength(1)
    const [leader, follower] = leaders[0] ? [a, b] : [b, a]
    await leader.close()
    expect(await follower.tryLead()).toBe(true)
  })
})
