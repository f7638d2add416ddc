import type { GatewayContext } from '../core/context.js'
import type { DeliveryRecord } from '../store/records.js'
import { attemptDelivery, leaseFor } from './delivery-attempt.js'

export interface DeliveryCounts {
  attempted: number
  succeeded: number
  retrying: number
  failed: number
}

/**
 * One bounded batch of the persisted queue, for a process without a delivery worker (a cron
 * round): leases up to `limit` due deliveries to `owner` and attempts each once, within the
 * configured concurrency (in all and per endpoint). The leases keep two rounds at once, or a round
 * and a worker, from attempting the same delivery. Resolves when every attempt is recorded.
 */
export async function deliverDue(ctx: GatewayContext, options: { owner: string; limit: number; signal?: AbortSignal }): Promise<DeliveryCounts> {
  const leaseMs = leaseFor(ctx.config.webhookTimeoutMs)
  const claimed = await ctx.store.claimDueDeliveries(options.owner, leaseMs, options.limit)
  const counts: DeliveryCounts = { attempted: 0, succeeded: 0, retrying: 0, failed: 0 }
  const signal = options.signal ?? new AbortController().signal
  const { total, perEndpoint } = ctx.config.webhookConcurrency
  // Each endpoint's deliveries run in at most perEndpoint lanes, so a slow receiver holds its own
  // lanes only; at most `total` attempts run at once.
  const byEndpoint = new Map<string, DeliveryRecord[]>()
  for (const d of claimed) byEndpoint.set(d.endpoint_id, [...(byEndpoint.get(d.endpoint_id) ?? []), d])
  const lanes: DeliveryRecord[][] = []
  for (const line of byEndpoint.values()) {
    const width = Math.min(perEndpoint, line.length)
    for (let lane = 0; lane < width; lane++) lanes.push(line.filter((_, i) => i % width === lane))
  }
  const runLane = async (lane: DeliveryRecord[]) => {
    for (const d of lane) {
      if (signal.aborted) {
        await ctx.store.releaseDelivery(d.id, options.owner)
        continue
      }
      const result = await attemptDelivery(ctx, d.id, { owner: options.owner, leaseMs, signal, endpointId: d.endpoint_id }).catch((error) => {
        ctx.log.error('webhook.attempt_failed', { delivery_id: d.id, message: error instanceof Error ? error.message : String(error) })
        return undefined
      })
      if (!result || result.outcome === 'not_due') {
        // Not attempted (the process's clock says later): free for whoever is due to take it.
        await ctx.store.releaseDelivery(d.id, options.owner)
        continue
      }
      if (result.outcome === 'succeeded' || result.outcome === 'retrying' || result.outcome === 'failed') {
        counts.attempted++
        counts[result.outcome]++
      } else if (result.outcome === 'abandoned') {
        counts.failed++
      }
    }
  }
  // `total` lanes at a time; a lane that ends makes room for the next.
  const queue = [...lanes]
  await Promise.all(
    Array.from({ length: Math.min(total, queue.length) }, async () => {
      for (let lane = queue.shift(); lane; lane = queue.shift()) await runLane(lane)
    }),
  )
  return counts
}
