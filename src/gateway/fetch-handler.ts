import type { H3 } from 'h3'
import { loadGatewayConfig, type GatewayConfig } from '../config/gateway-config.js'
import { createLogger, type Logger } from '../core/logger.js'
import { MpgError } from '../errors.js'
import { createApp } from './app.js'
import { composeGateway } from './compose.js'

export interface FetchHandlerOptions {
  /** Environment to read settings from (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Where log lines go (default: JSON lines on stdout, the platform's log). */
  logger?: Logger
  /**
   * The platform's way to keep a function alive after it answered (Vercel: `waitUntil` from
   * `@vercel/functions`; Cloudflare: `ctx.waitUntil`). Without it such work may be cut off; the
   * next round (cron tick or `mpg worker`) does it then.
   */
  waitUntil?: (work: Promise<unknown>) => void
  /** PostgreSQL connections this instance keeps at most (default 3). */
  poolMax?: number
}

/** A fetch-style handler, plus `close()` for runtimes (and tests) that end it. */
export interface FetchHandler {
  (request: Request): Promise<Response>
  /** Closes the store's connections; a later request opens them again. */
  close(): Promise<void>
}

/**
 * The gateway as one `(request: Request) => Promise<Response>` for serverless and edge-style
 * runtimes: the same routes as `mpg serve`, on the PostgreSQL store, and no timers: background
 * work (webhook deliveries, payouts, reconciliation, housekeeping) runs in `mpg worker` on the
 * same database, or one round per `POST /api/v1/cron/tick` from the platform's scheduler.
 * Settings are read and checked now (a bad one throws here, at cold start); the store opens at the
 * first request and stays open while the instance is warm.
 */
export function createFetchHandler(options: FetchHandlerOptions = {}): FetchHandler {
  const config = serverlessConfig(options.env ?? process.env)
  const log = options.logger ?? createLogger({ json: true })
  let opening: Promise<{ app: H3; close(): Promise<void> }> | undefined

  const open = async () => {
    const started: Array<() => Promise<unknown>> = []
    try {
      const { context } = await composeGateway(config, log, { startEmulator: false, bus: 'local', poolMax: options.poolMax ?? 3, started })
      context.serverless = { waitUntil: options.waitUntil }
      return { app: createApp(context), close: () => context.store.close() }
    } catch (error) {
      for (const undo of started.reverse()) await undo().catch(() => undefined)
      throw error
    }
  }

  const handler = async (request: Request): Promise<Response> => {
    let gateway: Awaited<NonNullable<typeof opening>>
    try {
      gateway = await (opening ??= open())
    } catch (error) {
      // Not kept: the next request tries again (the database may be back).
      opening = undefined
      const err = error instanceof MpgError ? error : undefined
      log.error('gateway.open_failed', { message: error instanceof Error ? error.message : String(error) })
      const problem = {
        error: 'Gateway unavailable',
        hint: err?.suggestion ?? 'The gateway could not open its database; check DATABASE_URL and that PostgreSQL answers, then retry.',
        detail: 'the store could not be opened',
      }
      // /health keeps its own shape, so a load balancer or uptime check reads it as it always does.
      const health = new URL(request.url).pathname === '/health'
      const body = health ? { status: 'unavailable', daraja_env: config.darajaEnv, store: { kind: 'postgres', reachable: false }, ...problem } : problem
      return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/json; charset=utf-8', ...(health ? {} : { 'retry-after': '5' }) } })
    }
    return gateway.app.fetch(request)
  }
  return Object.assign(handler, {
    async close() {
      const current = opening
      opening = undefined
      if (current) await (await current.catch(() => undefined))?.close()
    },
  })
}

/** The settings a serverless deployment must have: a database, and Daraja's callbacks' public URL. */
function serverlessConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const config = loadGatewayConfig(env, {}, { requirePublicUrl: true })
  const missing = (variable: string, why: string, suggestion: string) => new MpgError('config', `Configuration error: createFetchHandler needs ${variable} (${why}).`, { suggestion, detail: { variable } })
  if (!config.databaseUrl) {
    throw missing('DATABASE_URL', 'a serverless function keeps nothing on disk between requests', 'Set DATABASE_URL to a PostgreSQL database (with MPG_SEAL_KEY and MPG_ADMIN_TOKEN); `mpg db migrate` prepares it.')
  }
  if (!config.publicSiteUrl) {
    throw missing('PUBLIC_SITE_URL', 'Daraja calls back to this deployment\'s own origin', 'Set PUBLIC_SITE_URL to the deployment\'s origin, e.g. https://your-app.vercel.app.')
  }
  if (config.darajaEnv === 'emulator' && !config.darajaBaseUrl) {
    throw missing('DARAJA_BASE_URL', 'in emulator mode it starts no emulator of its own', 'Point DARAJA_BASE_URL at a running emulator (mpg emulator start), or set DARAJA_ENV=sandbox with your Daraja credentials.')
  }
  return config
}
