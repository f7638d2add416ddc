import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import type { EventRecord, TransactionRecord } from '../../src/store/records.js'
import { SLAB_BYTES, SLAB_TEXT_MAX, TextSlab } from '../../src/store/text-slab.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { tempDir } from '../helpers/temp-dir.js'
import { transaction } from './records.js'

interface Holder {
  text: string
  raw?: string | Buffer
  from?: number
}

describe('a text slab', () => {
  it('moves each holder onto its bytes at once and onto its string once full, and leaves texts it cannot hold alone', () => {
    const slab = new TextSlab<Holder>((h, raw, from) => Object.assign(h, { raw, from }))
    const holders: Holder[] = []
    const add = (text: string) => {
      const h: Holder = { text }
      holders.push(h)
      slab.add(text, h)
      return h
    }
    const accented = add('{"description":"café"}')
    const long = add(`{"x":"${'a'.repeat(SLAB_TEXT_MAX + 1)}"}`)
    // Enough ASCII texts of different lengths to fill the slab more than once.
    for (let i = 0; i < (2.5 * SLAB_BYTES) / 500; i++) add(`{"id":"evt_${i}","data":"${'x'.repeat(i % 997)}"}`)
    const textAt = (h: Holder) => (typeof h.raw === 'string' ? h.raw.slice(h.from, h.from! + h.text.length) : h.raw!.toString('latin1', h.from, h.from! + h.text.length))
    const placed = holders.slice(2)
    for (const h of placed) expect(textAt(h)).toBe(h.text)
    const sealed = placed.filter((h) => typeof h.raw === 'string')
    expect(sealed.length).toBeGreaterThan(100)
    // The slab being filled: its texts are read from its bytes.
    expect(Buffer.isBuffer(placed.at(-1)!.raw)).toBe(true)
    expect(accented.raw).toBeUndefined()
    expect(long.raw).toBeUndefined()
  })
})

describe('records kept as text in slabs', () => {
  it('read back as they were written, before and after a fold and a restart', async () => {
    const file = join(tempDir('mpg-slab-'), 'gateway.json')
    let store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    const now = () => new Date().toISOString()
    await store.createWebhookEndpoint({ id: 'we_1', account_id: 'acct_1', mode: 'test', url: 'https://example.com/hook', events: [], sealed_secret: 'sealed', created_at: now(), deleted_at: null })
    const payments: TransactionRecord[] = []
    const events: EventRecord[] = []
    // Past two slabs of events (each ~1.3 KB): some texts moved onto full slabs, the last ones not yet.
    const count = Math.ceil((2.5 * SLAB_BYTES) / 1300)
    const pay = async (i: number) => {
      const id = `txn_${i}`
      await store.insertTransaction(transaction(id, { description: i % 100 === 7 ? `Malipo ya bidhaa ✓ ${i}` : `Order ${i}`, callback_token: `sha256:${i}` }))
      const result = await store.transition({
        transactionId: id,
        guard: (t) => t.status === 'pending',
        patch: () => ({ status: 'success', mpesa_receipt_number: `SAB${i}`, completed_at: now() }),
        events: (t) => [{ event: 'payment.success', data: { id: t.id, description: t.description, note: 'n'.repeat(1000 + (i % 50)) } }],
      })
      for (const d of result!.deliveries) await store.updateDelivery(d.id, (x) => ({ ...x, status: 'succeeded', next_attempt_at: null, attempts: [{ at: now(), status_code: 200, duration_ms: 1, error: null, response_body: 'ok' }] }))
      return result!
    }
    // 100 at a time (they share the journal's writes), in order.
    for (let i = 0; i < count; i += 100) {
      for (const result of await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => pay(i + j)))) {
        payments.push(result.transaction)
        events.push(...result.events)
      }
    }
    const readAll = async (s: LowdbStore) => {
      for (const t of payments) expect(await s.getTransaction(t.id)).toEqual(t)
      for (const e of events) expect(await s.getEvent(e.id)).toEqual(e)
      expect(await s.listEventsAfter('acct_1', 'test', 0, events.length + 1)).toEqual([...events].sort((a, b) => a.seq - b.seq))
      const { data: deliveries } = (await s.listEndpointDeliveries({ endpoint_id: 'we_1', limit: events.length + 1 }))!
      expect(deliveries).toHaveLength(events.length)
      for (const d of deliveries) expect(d).toMatchObject({ status: 'succeeded', attempts: [{ status_code: 200, response_body: 'ok' }] })
    }
    await readAll(store)
    await store.fold()
    await readAll(store)
    await store.close()
    store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    await readAll(store)
    await store.close()
  }, 60_000)
})
