import { describe, expect, it } from 'vitest'
import { EndpointDeliveries } from '../../src/store/endpoint-deliveries.js'
import type { DeliveryStatus } from '../../src/store/records.js'

/** The ids stored before `ord`, newest first, as a page walks them (holes stepped over). */
function newestBefore(list: EndpointDeliveries, ord: number): string[] {
  const out: string[] = []
  for (let place = list.before(ord); place >= 0; place--) {
    const id = list.idAt(place)
    if (id !== undefined) out.push(id)
  }
  return out
}

describe("an endpoint's deliveries in the order stored", () => {
  it('walks newest first from any ord, also one removed or never stored (ords have gaps: other endpoints take theirs); finds a cursor', () => {
    const list = new EndpointDeliveries()
    for (let i = 0; i < 10; i++) list.add(`d${i}`, i * 3, 'succeeded')
    expect(newestBefore(list, Number.POSITIVE_INFINITY)).toEqual(['d9', 'd8', 'd7', 'd6', 'd5', 'd4', 'd3', 'd2', 'd1', 'd0'])
    expect(newestBefore(list, 12)).toEqual(['d3', 'd2', 'd1', 'd0'])
    expect(newestBefore(list, 13)).toEqual(['d4', 'd3', 'd2', 'd1', 'd0'])
    expect(newestBefore(list, 0)).toEqual([])
    list.remove('d4')
    list.remove('d0')
    list.remove('d10') // not here: nothing changes
    expect(list.size).toBe(8)
    expect(newestBefore(list, 15)).toEqual(['d3', 'd2', 'd1'])
    expect(newestBefore(list, 12)).toEqual(['d3', 'd2', 'd1'])
    expect(list.placeOf('d5')).toBe(5)
    expect(list.ordAt(list.placeOf('d5'))).toBe(15)
    expect(list.placeOf('d4')).toBe(-1)
    expect(list.placeOf('d10')).toBe(-1)
  })

  it('changes a status at a known ord; a stale ord or id falls back to the search by id, and one not here changes nothing', () => {
    const list = new EndpointDeliveries()
    for (let i = 0; i < 10; i++) list.add(`d${i}`, i * 3, 'pending')
    const statusAt = (id: string) => (['pending', 'succeeded', 'failed'] as const).find((s) => list.hasStatus(list.placeOf(id), s))
    expect(list.setStatus('d2', 'succeeded', 6)).toBe(6)
    expect(statusAt('d2')).toBe('succeeded')
    expect(list.setStatus('d3', 'failed', 12)).toBe(9) // the ord of d4: found by its id
    expect(statusAt('d3')).toBe('failed')
    expect(statusAt('d4')).toBe('pending')
    expect(list.setStatus('d5', 'failed', 1000)).toBe(15)
    expect(list.setStatus('d11', 'failed', 15)).toBeUndefined()
    expect(statusAt('d5')).toBe('failed')
  })

  it('keeps the order, every place and each status through status changes, removals at both ends and in the middle, and the sweeps of their holes', () => {
    const list = new EndpointDeliveries()
    const model: Array<{ id: string; ord: number; status: DeliveryStatus }> = []
    const statuses: DeliveryStatus[] = ['pending', 'succeeded', 'failed']
    let ord = 0
    let seed = 7
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n)
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 300; i++) {
        ord += 1 + random(3)
        list.add(`d${ord}`, ord, 'pending')
        model.push({ id: `d${ord}`, ord, status: 'pending' })
      }
      // Deliveries finish (recent ones mostly), some are sent again.
      for (let i = 0; i < 200; i++) {
        const d = model[i % 4 === 0 ? random(model.length) : model.length - 1 - random(Math.min(model.length, 300))]
        // As the store: a pending delivery's ord is known (a binary search), a finished one's is not.
        const known = d.status === 'pending' ? d.ord : undefined
        d.status = statuses[random(3)]
        expect(list.setStatus(d.id, d.status, known)).toBe(d.ord)
      }
      // Retention removes oldest first mostly, a few from anywhere (a pending delivery it steps over).
      for (let i = 0; i < 250 && model.length > 0; i++) {
        const at = i % 10 === 0 ? random(model.length) : 0
        list.remove(model[at].id)
        model.splice(at, 1)
      }
      expect(list.size).toBe(model.length)
      if (model.length === 0) continue
      const cursor = model[random(model.length)]
      expect(list.ordAt(list.placeOf(cursor.id))).toBe(cursor.ord)
      expect(newestBefore(list, cursor.ord)).toEqual(model.filter((d) => d.ord < cursor.ord).map((d) => d.id).reverse())
    }
    expect(newestBefore(list, Number.POSITIVE_INFINITY)).toEqual(model.map((d) => d.id).reverse())
    for (const status of statuses) {
      const listed: string[] = []
      for (let place = list.before(Number.POSITIVE_INFINITY); place >= 0; place--) if (list.idAt(place) !== undefined && list.hasStatus(place, status)) listed.push(list.idAt(place)!)
      expect(listed, status).toEqual(model.filter((d) => d.status === status).map((d) => d.id).reverse())
    }
  })
})
