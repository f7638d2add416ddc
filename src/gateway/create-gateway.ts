import { createServer } from 'node:http'
import { join } from 'node:path'
import { loadGatewayConfig, type GatewayConfig, type ServeFlags } from '../config/gateway-config.js'
import { storeWaitingAcks } from '../core/b2c-acks.js'
import { bootstrapIfEmpty, type Bootstrap } from '../core/bootstrap.js'
import { settleInterruptedRequests } from '../core/recover.js'
import type { Clock } from '../core/clock.js'
import type { GatewayContext } from '../core/context.js'
import { StoreEventBus } from '../core/store-event-bus.js'
import { createLogger, type Logger } from '../core/logger.js'
import type { Reconciler } from '../core/reconcile.js'
import { MpgError } from '../errors.js'
import { listenOn } from '../http/listen.js'
import { isStorageError } from '../store/errors.js'
import type { Store } from '../store/store.js'
import { createApp, requestHooks } from './app.js'
import { createRequestListener } from './node-listener.js'
import { composeGateway } from './compose.js'
import { startBackgroundWork } from './background.js'

export interface GatewayOptions {
  /** Environment to read settings from (default process.env). */
  env?: NodeJS.ProcessEnv
  /** Flags of `mpg serve`, which win over the environment. */
  flags?: ServeFlags
  /** Refuse to start without PUBLIC_SITE_URL outside emulator mode (what `mpg serve` does). */
  requirePublicUrl?: boolean
  logger?: Logger
  /** A store to use instead of the lowdb file in the data dir. */
  store?: Store
  /** Business time (default the machine's); a virtual clock (createVirtualClock) lets tests move it. */
  clock?: Clock
}

export interface RunningGateway {
  url: string
  port: number
  config: GatewayConfig
  /** Set on the first start with an empty store: the default account and its key (shown once). */
  bootstrap: Bootstrap | undefined
  adminToken: string
  adminTokenFile: string | undefined
  /** The in-process emulator in emulator mode (undefined when Daraja is elsewhere). */
  emulator: import('../../emulator/index.js').RunningEmulator | undefined
  context: GatewayContext
  reconciler: Reconciler
  /**
   * Resolves when the store becomes failed (a durable write failed): from then on every request
   * gets 503, and `mpg serve` stops with a non-zero exit so a supervisor restarts it from disk.
   */
  failed: Promise<Error>
  /** Stops accepting, finishes in-flight requests, flushes the store. Idempotent. */
  close(): Promise<void>
}

/** A start-up failure as one line and a next step (what `mpg serve` prints). */
function startupError(error: unknown): unknown {
  if (!isStorageError(error)) return error
  return new MpgError(error.reason === 'corrupt' ? 'config' : 'internal', error.message, { suggestion: error.hint, cause: error })
}

/** Builds and starts the gateway: config, store, Daraja (or the bundled emulator), HTTP server, background work. */
export async function createGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const config = loadGatewayConfig(options.env ?? process.env, options.flags, { requirePublicUrl: options.requirePublicUrl })
  const log = options.logger ?? createLogger({ json: true, silent: true })
  // What start-up has started so far, undone in reverse when a later step fails: a failed
  // start leaves nothing running (an emulator or a listening socket would keep the process up).
  const started: Array<() => Promise<unknown>> = []
  try {
    return await start(config, log, options, started)
  } catch (error) {
    for (const undo of started.reverse()) await undo().catch(() => undefined)
    throw startupError(error)
  }
}

async function start(config: GatewayConfig, log: Logger, options: GatewayOptions, started: Array<() => Promise<unknown>>): Promise<RunningGateway> {
  const composed = await composeGateway(config, log, { store: options.store, clock: options.clock, startEmulator: true, bus: 'feed', sendingThread: true, started })
  const { context, emulator, admin } = composed
  const { store } = context
  let ownUrl = ''

  // Before the server listens: its cursor starts at the events stored so far.
  if (context.bus instanceof StoreEventBus) await context.bus.start()
  // Before it listens too, on a store only this process opens: every key in flight there was cut
  // off by a crash, but only until a request of this process claims one. Settled after listening,
  // a push arriving meanwhile was taken for an interrupted one (its key, refused by Daraja and
  // released, came back as a replay of the refused payment). A shared store's leader settles
  // them by age (background.ts).
  if (!store.shared) await settleInterruptedRequests(context)
  const hooks = requestHooks(context)
  const server = createServer(createRequestListener(context, createApp(context, [], hooks), hooks))
  server.keepAliveTimeout = 5000
  let listening: { port: number; url: string }
  try {
    listening = await listenOn(server, config.port, config.host)
  } catch (error) {
    const err = error as NodeJS.ErrnoException
    if (err.code === 'EADDRINUSE') {
      throw new MpgError('conflict', `Port ${config.port} on ${config.host} is already in use.`, { suggestion: 'Stop the other process or pick another port with --port (0 picks a free one).' })
    }
    throw new MpgError('config', `Cannot listen on ${config.host}:${config.port}: ${err.message}.`, { suggestion: 'Check --host and --port.' })
  }
  started.push(() => new Promise((resolve) => server.close(resolve)))
  const { port } = listening
  ownUrl = listening.url
  composed.setOwnUrl(ownUrl)

  // Start-up work for one process at a time: on a shared database only the leader does it.
  const leading = await store.tryLead()
  const bootstrap = leading ? await bootstrapIfEmpty(store, config.darajaEnv === 'production' ? 'live' : 'test') : undefined
  const background = await startBackgroundWork(context, { streams: true, leading })
  started.push(() => background.stop())
  const { reconciler } = background
  const failed = store.whenFailed()
  void failed.then((error) => log.error('store.failed', { message: error.message, hint: isStorageError(error) ? error.hint : undefined }))

  let closing: Promise<void> | undefined
  return {
    url: ownUrl,
    port,
    config,
    bootstrap,
    adminToken: admin.token,
    adminTokenFile: config.adminToken ? undefined : join(config.dataDir, 'admin-token'),
    emulator,
    context,
    reconciler,
    failed,
    close() {
      closing ??= (async () => {
        await background.stop()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
          // Requests still running get a grace period, then their sockets are closed.
          setTimeout(() => server.closeAllConnections(), 5000).unref()
        })
        if (context.bus instanceof StoreEventBus) context.bus.stop()
        // B2C acks still waiting for their result (none reaches this process now) are stored.
        await storeWaitingAcks(context)
        // Last, once the requests are answered. A Daraja exchange still on it (a B2C a callback
        // started) is answered as a timeout is: its payout stays pending, and its B2C goes again
        // after the restart with the same OriginatorConversationID, as after a crash.
        await context.sendingThread?.close()
        await emulator?.close()
        await store.close()
      })()
      return closing
    },
  }
}
