import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import type { DeliveryRecord } from '../../src/store/records.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'

const OLD = '2026-01-01T00:00:00.000Z'
const NEW = '2026-03-01T00:00:00.000Z'

const delivery = (id: string, endpoint_id: string, created_at: string): DeliveryRecord => ({
  id,
  event_id: `evt_${id}`,
  endpoint_id,
  account_id: 'acct_1',
  mode: 'test',
  event: 'payment.success',
  status: 'succeeded',
  attempts: [],
  next_attempt_at: null,
  created_at,
  updated_at: created_at,
})

/** Every page of the endpoint's log, 100 at a time, each from the last one's cursor. */
async function pageThrough(store: LowdbStore, endpoint_id: string): Promise<string[]> {
  const ids: string[] = []
  let starting_after: string | undefined
  for (;;) {
    const page = (await store.listEndpointDeliveries({ endpoint_id, limit: 100, starting_after }))!
    ids.push(...page.data.map((d) => d.id))
    if (!page.has_more) return ids
    starting_after = ids.at(-1)
  }
}

let dir = ''
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe("the embedded store's delivery log pages", () => {
  it('keep the order stored through retention (holes, and their sweep) and a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpg-delivery-pages-'))
    const file = join(dir, 'gateway.json')
    let store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    const kept: string[] = []
    // Two of three old enough for retention, on both endpoints: removals from the oldest end and between kept ones.
    // 100 at a time (they share the journal's writes), in order.
    for (let from = 0; from < 3000; from += 100) {
      const made: Array<Promise<void>> = []
      for (let i = from; i < from + 100; i++) {
        const old = i % 3 !== 2
        made.push(store.createDelivery(delivery(`wd_${i}`, 'we_1', old ? OLD : NEW)), store.createDelivery(delivery(`wd_other_${i}`, 'we_2', old ? OLD : NEW)))
        if (!old) kept.push(`wd_${i}`)
      }
      await Promise.all(made)
    }
    kept.reverse()
    expect(await pageThrough(store, 'we_1')).toHaveLength(3000)
    while ((await store.pruneHistory('2026-02-01T00:00:00.000Z', 500)).deliveries > 0);
    expect(await pageThrough(store, 'we_1')).toEqual(kept)
    await store.createDelivery(delivery('wd_last', 'we_1', NEW))
    expect(await pageThrough(store, 'we_1')).toEqual(['wd_last', ...kept])
    await store.close()

    // Read back as replayed from the journal, then from a snapshot folded from it.
    for (const fold of [true, false]) {
      store = new LowdbStore(file, { deliverTo: deliversTo })
      await store.open()
      expect(await pageThrough(store, 'we_1')).toEqual(['wd_last', ...kept])
      expect((await store.listEndpointDeliveries({ endpoint_id: 'we_1', limit: 2, starting_after: kept[10] }))!.data.map((d) => d.id)).toEqual([kept[11], kept[12]])
      if (fold) await store.fold()
      await store.close()
    }
  })
})
