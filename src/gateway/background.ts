import type { GatewayContext } from '../core/context.js'
import { startHousekeeping } from '../core/housekeeping.js'
import { startDeliveryWorker } from '../webhooks/delivery-worker.js'
import { startEventStreams } from '../webhooks/event-stream.js'

/** Long-running work started with the gateway and stopped (idempotently) before the store closes. */
export interface BackgroundService {
  stop(): Promise<void>
}

/** Every background service of the gateway, started once the HTTP server listens. */
export function startBackgroundServices(ctx: GatewayContext): BackgroundService[] {
  // Streams first: stopping them ends open SSE responses, so the HTTP server can close.
  return [startEventStreams(ctx), startDeliveryWorker(ctx), startHousekeeping(ctx)]
}
