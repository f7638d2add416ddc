import { isoIn } from './clock.js'
import type { GatewayContext } from './context.js'
import { IDEMPOTENCY_TTL_MS } from './idempotency.js'

const PRUNE_EVERY_MS = 10 * 60 * 1000
const SIZE_CHECK_EVERY_MS = 60 * 1000

/** Past this size a lowdb write costs more than ~50 ms (see bench/): time for PostgreSQL. */
export const LARGE_STORE_BYTES = 6 * 1024 * 1024

/**
 * Forgets Idempotency-Keys past their 24 h life (at start, then every ten minutes) and warns
 * once when the store has grown past the size where each write blocks for more than ~50 ms.
 */
export function startHousekeeping(ctx: GatewayContext): { stop(): Promise<void> } {
  let warned = false
  const checkSize = () => {
    if (warned || ctx.store.sizeBytes() <= LARGE_STORE_BYTES) return
    warned = true
    ctx.log.warn('store.large', {
      bytes: ctx.store.sizeBytes(),
      message: 'each write of the JSON store now takes more than ~50 ms; move to the PostgreSQL store for this volume',
    })
  }
  checkSize()
  const sizeTimer = setInterval(checkSize, SIZE_CHECK_EVERY_MS)
  sizeTimer.unref()
  const prune = () =>
    ctx.store
      .tryLead()
      // One process prunes a shared store.
      .then((leading) => (leading ? pruneExpiredIdempotency(ctx) : 0))
      .catch((error) => ctx.log.error('idempotency.prune_failed', { message: error instanceof Error ? error.message : String(error) }))
  void prune()
  const timer = ctx.clock.setRepeating(prune, PRUNE_EVERY_MS, 'housekeeping')
  return {
    async stop() {
      timer.cancel()
      clearInterval(sizeTimer)
    },
  }
}

/** Forgets Idempotency-Keys past their 24 h life (the leader's job on a shared store); returns how many. */
export async function pruneExpiredIdempotency(ctx: GatewayContext): Promise<number> {
  const removed = await ctx.store.pruneIdempotency(isoIn(ctx.clock, -IDEMPOTENCY_TTL_MS))
  if (removed > 0) ctx.log.info('idempotency.pruned', { removed })
  return removed
}
