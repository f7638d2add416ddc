import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { paymentEvent, payoutEvent } from '../../src/core/event-data.js'
import { planPayout } from '../../src/core/payouts.js'
import { cold } from '../../src/store/cold.js'
import { keepEventText, storedEventText } from '../../src/store/event-texts.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import type { EventRecord } from '../../src/store/records.js'
import { eventBody, serializeEvent } from '../../src/webhooks/event-body.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { tempDir } from '../helpers/temp-dir.js'
import { transaction } from '../store/records.js'

const stores: LowdbStore[] = []
/** An event's cold record (as the store keeps it) with this text. */
const coldText = (text: string) => cold('events', text, JSON.parse(text) as Record<string, unknown>)
afterAll(async () => {
  for (const store of stores) await store.close()
})

async function openStore(): Promise<LowdbStore> {
  const store = new LowdbStore(join(tempDir('mpg-event-body-'), 'gateway.json'), { deliverTo: deliversTo })
  await store.open()
  stores.push(store)
  return store
}

describe('a webhook body (serializeEvent)', () => {
  it('is made from the text the store keeps of an event it just stored, byte for byte what JSON.stringify makes of the body', async () => {
    const store = await openStore()
    // Data that looks like the text around it: keys and values named like the event's own fields, quotes, non-ASCII.
    const tricky = transaction('t1', { reference: '","event":"payout.success","created_at":"x","data":{', description: 'Malipo ya café — "bei" \\ \u2028', status: 'pending' })
    await store.insertTransaction(tricky)
    const paid = await store.transition({
      transactionId: 't1',
      guard: (t) => t.status === 'pending',
      patch: (t) => ({ status: 'success', mpesa_receipt_number: 'SAB1234567', result_code: '0', result_desc: 'ok', completed_at: new Date().toISOString(), payout: planPayout({ type: 'mpesa', phone: '254708374149' }, t, 'ptok_1', new Date().toISOString()) }),
      events: (t) => [paymentEvent(t), { event: 'payment.failed', data: { nested: { event: 'x', data: { data: [1, null, 'a'] } }, empty: {} } }],
    })
    const settled = await store.transition({
      transactionId: 't1',
      guard: () => true,
      patch: (t) => ({ payout: { ...t.payout!, status: 'success', result_code: '0', result_desc: 'done', mpesa_receipt: 'B2C1' } }),
      events: (t) => [payoutEvent(t)],
    })
    const events = [...paid!.events, ...settled!.events]
    expect(events).toHaveLength(3)
    for (const e of events) {
      // The store's text is there to be used (without it the body is made with JSON.stringify again).
      expect(storedEventText(e)).toBeDefined()
      expect(serializeEvent(e)).toBe(JSON.stringify(eventBody(e)))
      expect(JSON.parse(serializeEvent(e))).toEqual(eventBody(e))
      // And the body is cut from that text (the store's layout is the one it knows): a marked text shows through.
      const text = storedEventText(e)!
      const at = text.indexOf(',"data":{') + ',"data":{'.length
      keepEventText(e, coldText(`${text.slice(0, at)}"marked":1,${text.slice(at)}`))
      expect(serializeEvent(e)).toContain('"data":{"marked":1,')
    }
  })

  it('takes the data from the stored text, and is made afresh from a text whose layout it does not know', () => {
    const e = Object.freeze({ id: 'evt_1', seq: 7, account_id: 'acct_1', mode: 'test', event: 'payment.success', created_at: '2026-11-30T11:00:00.000Z', data: Object.freeze({ a: 1 }) }) as EventRecord
    keepEventText(e, coldText('{"id":"evt_1","seq":7,"account_id":"acct_1","mode":"test","event":"payment.success","created_at":"2026-11-30T11:00:00.000Z","data":{"a":1.0}}'))
    expect(serializeEvent(e)).toBe('{"id":"evt_1","event":"payment.success","created_at":"2026-11-30T11:00:00.000Z","data":{"a":1.0}}')
    // A field between id and event the body does not know the shape of (here an object): made afresh.
    const other = Object.freeze({ ...e }) as EventRecord
    keepEventText(other, coldText('{"id":"evt_1","seq":7,"account_id":{"x":1},"mode":"test","event":"payment.success","created_at":"2026-11-30T11:00:00.000Z","data":{"a":2}}'))
    expect(serializeEvent(other)).toBe(JSON.stringify(eventBody(other)))
    // No stored text (an event read back, or from PostgreSQL): made afresh.
    const read = Object.freeze({ ...e }) as EventRecord
    expect(storedEventText(read)).toBeUndefined()
    expect(serializeEvent(read)).toBe('{"id":"evt_1","event":"payment.success","created_at":"2026-11-30T11:00:00.000Z","data":{"a":1}}')
  })
})
