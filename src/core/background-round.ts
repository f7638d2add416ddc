import type { RoundSummary } from '../schemas/round.js'
import { newId } from '../utils/ids.js'
import { deliverDue } from '../webhooks/deliver-due.js'
import type { GatewayContext } from './context.js'
import { pruneExpired } from './housekeeping.js'
import { advancePayouts } from './payouts.js'
import { reconcileDue } from './reconcile.js'

export interface RoundOptions {
  /** Due webhook deliveries attempted at most (MPG_CRON_DELIVERIES for a cron tick). */
  deliveries: number
  /** Pending payments and payouts looked at, at most each. */
  payments?: number
  payouts?: number
  /**
   * Give the leadership up when the round ends: a serverless instance may be frozen right after
   * answering, and a leadership it kept would stall every other instance's rounds until the
   * database noticed the dead connection.
   */
  resignAfter?: boolean
}

/**
 * One bounded round of all background work, what `POST /api/v1/cron/tick` runs: due webhook
 * deliveries and due payout steps (B2C attempts, late-result queries), each leased, so any number
 * of rounds and workers may run at once; and, for the one leader among the processes on the
 * store, Idempotency-Keys cut off by a crash, pending payments past MPG_RECONCILE_AFTER_S (STK
 * Query), and expired Idempotency-Keys. The same steps are what the timers of `mpg serve` and `mpg worker` run, each
 * at its own pace (gateway/background.ts). Every step is idempotent: payments settle by
 * compare-and-set, a payout is re-sent with the same OriginatorConversationID (Daraja refuses a
 * duplicate), and a second leader cannot exist while the first holds the database lock.
 * A payment the reconciliation settles starts its B2C at once (as a callback would).
 */
export async function runRound(ctx: GatewayContext, options: RoundOptions): Promise<RoundSummary> {
  const started = performance.now()
  const owner = newId('rnd')
  const leader = await ctx.store.tryLead()
  try {
    const [deliveries, payouts, leaderWork] = await Promise.all([
      deliverDue(ctx, { owner, limit: options.deliveries }),
      // Payouts are leased one by one: any round may advance them.
      advancePayouts(ctx, { limit: options.payouts ?? 50 }),
      leader ? leaderShare(ctx, options) : undefined,
    ])
    return {
      leader,
      deliveries,
      payments: leaderWork?.payments ?? { checked: 0, settled: 0 },
      payouts,
      idempotency_pruned: leaderWork?.pruned ?? 0,
      duration_ms: Math.round(performance.now() - started),
    }
  } finally {
    if (leader && options.resignAfter) await ctx.store.resign?.()
  }
}

async function leaderShare(ctx: GatewayContext, options: RoundOptions) {
  const payments = await reconcileDue(ctx, { limit: options.payments ?? 50 })
  // Retention too (events, delivery logs, keys), a few bounded batches per round.
  const pruned = (await pruneExpired(ctx, { maxBatches: 4 })).idempotency_keys
  return { payments, pruned }
}
