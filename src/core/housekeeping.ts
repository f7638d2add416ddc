import type { GatewayContext } from './context.js'
import { IDEMPOTENCY_TTL_MS } from './idempotency.js'

const PRUNE_EVERY_MS = 10 * 60 * 1000

/** Forgets Idempotency-Keys past their 24 h life, at start and every ten minutes. */
export function startHousekeeping(ctx: GatewayContext): { stop(): Promise<void> } {
  const prune = () =>
    ctx.store
      .pruneIdempotency(new Date(Date.now() - IDEMPOTENCY_TTL_MS).toISOString())
      .then((removed) => removed > 0 && ctx.log.info('idempotency.pruned', { removed }))
      .catch((error) => ctx.log.error('idempotency.prune_failed', { message: error instanceof Error ? error.message : String(error) }))
  void prune()
  const timer = setInterval(() => void prune(), PRUNE_EVERY_MS)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
    },
  }
}
