import type { GatewayContext } from '../core/context.js'
import { startHousekeeping } from '../core/housekeeping.js'
import { resumePayouts } from '../core/payouts.js'
import { startReconciler, type Reconciler } from '../core/reconcile.js'
import { interruptedBefore, settleInterruptedRequests } from '../core/recover.js'
import { startDeliveryWorker } from '../webhooks/delivery-worker.js'
import { startEventStreams } from '../webhooks/event-stream.js'

/** Long-running work started with the gateway and stopped (idempotently) before the store closes. */
export interface BackgroundService {
  stop(): Promise<void>
}

export interface BackgroundWork {
  reconciler: Reconciler
  /** Stops every timer and worker, streams first; idempotent. */
  stop(): Promise<void>
}

/**
 * The background work of a long-running process, `mpg serve` or `mpg worker`: the steps of one
 * cron round (core/background-round.ts), each on its own timer and pace: webhook deliveries as
 * soon as their events are stored (the delivery worker, fed by the event bus), reconciliation and
 * payouts (the reconciler), housekeeping. Start-up recovery runs first on the leader: keys cut
 * off by a crash are settled (on a shared store; one only this process opens had them settled
 * before it served) and unacknowledged B2Cs are sent again. `streams`: also serve the
 * event stream (a process with an HTTP server). The caller starts the event bus first.
 */
export async function startBackgroundWork(ctx: GatewayContext, options: { streams: boolean; leading: boolean }): Promise<BackgroundWork> {
  const { store } = ctx
  // A store only this process opens had its keys settled before serving (create-gateway.ts).
  if (options.leading && store.shared) await settleInterruptedRequests(ctx, interruptedBefore(ctx.config.darajaTimeoutMs, ctx.clock.now()))
  const reconciler = startReconciler(ctx)
  // Streams first: stopping them ends open SSE responses, so the HTTP server can close.
  const services: BackgroundService[] = [...(options.streams ? [startEventStreams(ctx)] : []), startDeliveryWorker(ctx), startHousekeeping(ctx)]
  if (options.leading) void resumePayouts(ctx).catch((error) => ctx.log.error('payout.resume_failed', { message: String(error) }))
  let stopping: Promise<void> | undefined
  return {
    reconciler,
    stop() {
      stopping ??= (async () => {
        reconciler.stop()
        for (const service of services) await service.stop()
      })()
      return stopping
    },
  }
}
