import type { StoreState } from './state.js'

/**
 * Retention of the embedded store, a bounded batch per call (the caller repeats it from the
 * background while a batch removes something): each pass visits at most a bounded number of
 * records, oldest first, so it never walks the whole store in one turn of the event loop.
 */

/** Records one pass may visit (kept ones are stepped over): ~1 ms of work. */
const visitsFor = (limit: number) => Math.max(limit * 20, 10_000)

/** Idempotency keys created before the cutoff and no longer in flight (a key in flight still guards a request). */
export function pruneLowdbIdempotency(state: StoreState, createdBefore: string, limit: number, remove: (scope: string) => void): number {
  const gone: string[] = []
  let visits = 0
  for (const r of state.tables.idempotency.values()) {
    if (gone.length >= limit || visits++ >= visitsFor(limit)) break
    if (r.created_at < createdBefore && r.state !== 'in_flight') gone.push(r.scope)
  }
  for (const scope of gone) remove(scope)
  return gone.length
}

/**
 * Deliveries created before the cutoff that are finished (a pending one is still owed), then
 * events created before it that have no delivery left (a delivery can still be resent while its
 * event is kept). Removed events stay on the replay list (`eventList`): the caller takes them off
 * through `eventsThroughSeq` once their removal is written, since until then the disk holds them.
 */
export function pruneLowdbHistory(
  state: StoreState,
  { before, limit }: { before: string; limit: number },
  remove: (c: 'events' | 'deliveries', key: string) => void,
): { events: number; deliveries: number; eventsThroughSeq: number } {
  const deliveries: string[] = []
  let visits = 0
  for (const d of state.tables.deliveries.values()) {
    if (deliveries.length >= limit || visits++ >= visitsFor(limit)) break
    if (d.created_at < before && d.status !== 'pending') deliveries.push(d.id)
  }
  for (const id of deliveries) remove('deliveries', id)

  let events = 0
  let visited = 0
  let eventsThroughSeq = 0
  for (const e of state.eventList) {
    // In seq order, which is the order they were made in: the rest are younger.
    if (events >= limit || visited >= visitsFor(limit) || e.created_at >= before) break
    visited++
    // (One removed already, by a pass whose removal is still being written.)
    if (!state.tables.events.has(e.id) || state.hasDeliveries(e.id)) continue
    remove('events', e.id)
    events++
    eventsThroughSeq = e.seq
  }
  return { events, deliveries: deliveries.length, eventsThroughSeq }
}
