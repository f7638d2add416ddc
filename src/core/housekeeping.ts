import { setImmediate as nextTurn } from 'node:timers/promises'
import type { GatewayContext } from './context.js'

const PRUNE_EVERY_MS = 10 * 60 * 1000
const SIZE_CHECK_EVERY_MS = 60 * 1000

/** Records removed per batch: each batch is a short synchronous step and one durable write. */
export const PRUNE_BATCH = 500
/** Batches per pass; what is left waits for the next pass (ten minutes later). */
const MAX_BATCHES_PER_PASS = 200

/** Past this size a lowdb snapshot is large enough to say so once (restarts and memory grow with it). */
export const LARGE_STORE_BYTES = 64 * 1024 * 1024

export interface PruneCounts {
  idempotency_keys: number
  events: number
  deliveries: number
}

/**
 * One retention pass: Idempotency-Keys past MPG_IDEMPOTENCY_KEY_TTL_H (never one in flight), then
 * finished webhook deliveries and events past MPG_EVENT_RETENTION_DAYS (never a pending delivery
 * or its event; transactions are never pruned), in bounded batches with a turn of the event loop
 * between them, so a pass never stalls the gateway.
 */
export async function pruneExpired(ctx: GatewayContext, { maxBatches = MAX_BATCHES_PER_PASS } = {}): Promise<PruneCounts> {
  const counts: PruneCounts = { idempotency_keys: 0, events: 0, deliveries: 0 }
  const now = ctx.clock.now()
  const keysBefore = new Date(now - ctx.config.idempotencyKeyTtlMs).toISOString()
  const historyBefore = new Date(now - ctx.config.eventRetentionMs).toISOString()
  for (let batch = 0; batch < maxBatches; batch++) {
    const removed = await ctx.store.pruneIdempotency(keysBefore, PRUNE_BATCH)
    counts.idempotency_keys += removed
    if (removed === 0) break
    await nextTurn()
  }
  for (let batch = 0; batch < maxBatches; batch++) {
    const removed = await ctx.store.pruneHistory(historyBefore, PRUNE_BATCH)
    counts.events += removed.events
    counts.deliveries += removed.deliveries
    if (removed.events + removed.deliveries === 0) break
    await nextTurn()
  }
  if (counts.idempotency_keys + counts.events + counts.deliveries > 0) ctx.log.info('store.pruned', { ...counts })
  return counts
}

/**
 * Retention (at start, then every ten minutes, on the leader of a shared store) and a warning
 * once when the embedded store has grown large.
 */
export function startHousekeeping(ctx: GatewayContext): { stop(): Promise<void> } {
  let warned = false
  const checkSize = () => {
    if (warned || ctx.store.sizeBytes() <= LARGE_STORE_BYTES) return
    warned = true
    ctx.log.warn('store.large', {
      bytes: ctx.store.sizeBytes(),
      message: 'the embedded store keeps everything in memory and reads it all at start-up; past its ceiling it refuses new work — move to the PostgreSQL store (mpg db import) for this volume',
    })
  }
  checkSize()
  const sizeTimer = setInterval(checkSize, SIZE_CHECK_EVERY_MS)
  sizeTimer.unref()
  let running: Promise<unknown> | undefined
  const prune = () =>
    (running ??= ctx.store
      .tryLead()
      // One process prunes a shared store.
      .then((leading) => (leading ? pruneExpired(ctx) : undefined))
      .catch((error) => ctx.log.error('store.prune_failed', { message: error instanceof Error ? error.message : String(error) }))
      .finally(() => (running = undefined)))
  void prune()
  const timer = ctx.clock.setRepeating(prune, PRUNE_EVERY_MS, 'housekeeping')
  return {
    async stop() {
      timer.cancel()
      clearInterval(sizeTimer)
      await running
    },
  }
}
