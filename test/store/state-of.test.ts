import { describe, expect, it } from 'vitest'
import { emptyDocument, KEY_OF, type Collection, type StoreDocument } from '../../src/store/document.js'
import type { DeliveryRecord, EventRecord } from '../../src/store/records.js'
import { StoreState } from '../../src/store/state.js'
import { transaction } from './records.js'

const hashed = (s: string) => `sha256:${s.padEnd(64, '0')}`
const payout = (status: string, token?: string) => ({ status, type: 'mpesa', amount: 98.5, destination: { type: 'mpesa', phone: '254712345678' }, ...(token ? { callback_token: token } : {}), created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' })
const event = (id: string, seq: number): EventRecord => ({ id, seq, account_id: 'acct_1', mode: 'test', event: 'payment.success', created_at: '2026-01-01T00:00:00.000Z', data: { id } }) as unknown as EventRecord
const delivery = (id: string, eventId: string, status: string): DeliveryRecord =>
  ({ id, event_id: eventId, endpoint_id: 'we_1', account_id: 'acct_1', mode: 'test', event: 'payment.success', status, attempts: [], next_attempt_at: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }) as unknown as DeliveryRecord

/** Every index of a state, as plain values. */
function indexesOf(state: StoreState, doc: StoreDocument) {
  const txs = doc.transactions
  return {
    sizes: (Object.keys(KEY_OF) as Collection[]).map((c) => state.tables[c].size),
    records: (Object.keys(KEY_OF) as Collection[]).map((c) => (doc[c] as unknown as Array<Record<string, unknown>>).map((r) => state.get(c, String(r[KEY_OF[c]])))),
    txOrder: [...state.txOrder],
    txPlace: txs.map((t) => state.txPlace.get(t.id)),
    byToken: txs.map((t) => state.txByCallbackToken.get(t.callback_token)),
    byCheckout: txs.map((t) => (t.checkout_request_id ? state.txByCheckout.get(t.checkout_request_id) : null)),
    byPayoutToken: txs.map((t) => (t.payout?.callback_token ? state.txByPayoutToken.get(t.payout.callback_token) : null)),
    sizesOfIndexes: [state.txPlace.size, state.txByCallbackToken.size, state.txByCheckout.size, state.txByPayoutToken.size],
    pending: [...state.pendingTx],
    pendingInCreationOrder: state.pendingInCreationOrder,
    payouts: [...state.payoutsByStatus].map(([status, ids]) => [status, [...ids]]).sort(),
    keys: [...state.keyByHash],
    events: state.eventList.map((e) => e.id),
    pendingDeliveries: [...state.pendingDeliveries],
    deliveriesOfEvent: doc.events.map((e) => state.deliveriesOfEvent(e.id)),
  }
}

describe('StoreState.of', () => {
  it('builds the same records and indexes as putting each record in turn', () => {
    const doc = emptyDocument()
    doc.transactions = [
      transaction('txn_a'),
      transaction('txn_b', { status: 'success', callback_token: hashed('b'), payout: payout('success', hashed('pb')) as never }),
      transaction('txn_c', { status: 'success', callback_token: hashed('c'), payout: payout('pending', 'ptok_c') as never }),
      transaction('txn_d', { status: 'failed', callback_token: hashed('d'), checkout_request_id: null }),
      transaction('txn_e', { status: 'success', callback_token: hashed('e'), payout: payout('failed', hashed('pe')) as never }),
      transaction('txn_f', { status: 'success', callback_token: hashed('f'), payout: payout('success', hashed('pf')) as never }),
      transaction('txn_g', { created_at: '2020-01-01T00:00:00.000Z' }),
    ]
    doc.events = [event('evt_2', 2), event('evt_1', 1), event('evt_3', 3)]
    doc.deliveries = [delivery('del_1', 'evt_1', 'succeeded'), delivery('del_2', 'evt_1', 'pending'), delivery('del_3', 'evt_2', 'failed')]
    doc.api_keys = [{ id: 'key_1', hash: 'h1' } as never]
    doc.accounts = [{ id: 'acct_1' } as never]
    const built = StoreState.of(structuredClone(doc))
    const put = new StoreState()
    const copy = structuredClone(doc)
    copy.events.sort((a, b) => a.seq - b.seq)
    for (const c of Object.keys(KEY_OF) as Collection[]) for (const r of copy[c]) put.put(c, r as never)
    expect(indexesOf(built, copy)).toEqual(indexesOf(put, copy))
    // The pending payment created before the one before it: not in creation order.
    expect(built.pendingInCreationOrder).toBe(false)
    expect([...built.payoutsByStatus.get('success')!]).toEqual(['txn_b', 'txn_f'])
  })
})
