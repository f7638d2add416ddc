import type { GatewayContext } from '../core/context.js'

/** Long-running work started with the gateway and stopped (idempotently) before the store closes. */
export interface BackgroundService {
  stop(): Promise<void>
}

/** Every background service of the gateway, started once the HTTP server listens. */
export function startBackgroundServices(_ctx: GatewayContext): BackgroundService[] {
  return []
}
