import { loadGatewayConfig, type GatewayConfig, type ServeFlags } from '../config/gateway-config.js'
import type { GatewayContext } from '../core/context.js'
import { createLogger, type Logger } from '../core/logger.js'
import { StoreEventBus } from '../core/store-event-bus.js'
import { MpgError } from '../errors.js'
import { startBackgroundWork } from './background.js'
import { composeGateway } from './compose.js'

export interface WorkerOptions {
  env?: NodeJS.ProcessEnv
  flags?: Pick<ServeFlags, 'database-url'>
  logger?: Logger
}

export interface RunningWorker {
  config: GatewayConfig
  context: GatewayContext
  /** DATABASE_URL without its password, for the ready line. */
  database: string
  /** Whether this process led at start (it may lead later: leadership moves when a leader dies). */
  leading: boolean
  /** Stops the timers, lets deliveries in flight finish briefly, closes the store. Idempotent. */
  close(): Promise<void>
}

/**
 * `mpg worker`: the background work of `mpg serve` without its HTTP server, for deployments whose
 * API runs elsewhere (the fetch handler, or instances started with no background work): webhook
 * deliveries as their events are stored, reconciliation, payouts and housekeeping, on the same
 * PostgreSQL database. Any number may run; deliveries are leased and one leader does the rest.
 */
export async function startWorker(options: WorkerOptions = {}): Promise<RunningWorker> {
  const config = loadGatewayConfig(options.env ?? process.env, options.flags, { requirePublicUrl: true })
  if (!config.databaseUrl) {
    throw new MpgError('config', 'Configuration error: mpg worker needs DATABASE_URL (it works on the database the gateway instances share).', {
      suggestion: 'Set DATABASE_URL (with MPG_SEAL_KEY and MPG_ADMIN_TOKEN) to the same values as the gateway. One `mpg serve` on a data dir already runs its own background work.',
      detail: { variable: 'DATABASE_URL' },
    })
  }
  if (!config.publicSiteUrl) {
    throw new MpgError('config', 'Configuration error: mpg worker needs PUBLIC_SITE_URL (the B2C payouts it sends name the gateway\'s callback URLs).', {
      suggestion: 'Set PUBLIC_SITE_URL to the origin your gateway is reachable at, as on the gateway.',
      detail: { variable: 'PUBLIC_SITE_URL' },
    })
  }
  const log = options.logger ?? createLogger({ json: true, silent: true })
  const started: Array<() => Promise<unknown>> = []
  try {
    const { context } = await composeGateway(config, log, { startEmulator: false, bus: 'feed', sendingThread: true, started })
    if (context.bus instanceof StoreEventBus) {
      const bus = context.bus
      await bus.start()
      started.push(async () => bus.stop())
    }
    const leading = await context.store.tryLead()
    const background = await startBackgroundWork(context, { streams: false, leading })
    started.push(() => background.stop())
    const { redactUrl } = await import('../store/postgres/pg-store.js')
    let closing: Promise<void> | undefined
    return {
      config,
      context,
      database: redactUrl(config.databaseUrl),
      leading,
      close() {
        closing ??= (async () => {
          for (const undo of [...started].reverse()) await undo()
        })()
        return closing
      },
    }
  } catch (error) {
    for (const undo of started.reverse()) await undo().catch(() => undefined)
    throw error
  }
}
