import { join } from 'node:path'
import type { GatewayConfig } from '../config/gateway-config.js'
import { systemClock, type Clock } from '../core/clock.js'
import { createVirtualClock, isVirtualClock } from '../utils/virtual-clock.js'
import type { GatewayContext } from '../core/context.js'
import { EventBus } from '../core/event-bus.js'
import type { Logger } from '../core/logger.js'
import { createRateLimiter } from '../core/rate-limits.js'
import { StoreEventBus } from '../core/store-event-bus.js'
import { createDarajaClient } from '../daraja/client.js'
import { MpgError } from '../errors.js'
import { LowdbStore } from '../store/lowdb-store.js'
import type { Store } from '../store/store.js'
import { newId } from '../utils/ids.js'
import { sealKeyFor } from '../webhooks/seal.js'
import { startSendingThread } from '../webhooks/send-off-thread.js'
import { deliversTo } from '../webhooks/subscriptions.js'
import { resolveAdminToken } from './admin-token.js'

type RunningEmulator = import('../../emulator/index.js').RunningEmulator

export interface ComposeOptions {
  /** A store to use instead of the one the config names. */
  store?: Store
  /** Business time (default the machine's). */
  clock?: Clock
  /** Start the bundled emulator when the config is in emulator mode without DARAJA_BASE_URL. */
  startEmulator: boolean
  /** The event bus: the store's feed when it is shared (streams and workers see every process's events), or this process's only. */
  bus: 'feed' | 'local'
  /** Connections to PostgreSQL at most (a serverless instance keeps few). */
  poolMax?: number
  /**
   * A long-running process (`mpg serve`, `mpg worker`): its outbound exchanges (webhook deliveries,
   * Daraja's requests) are made on a thread of its own (send-off-thread.ts). The caller closes it
   * (context.sendingThread) once nothing more is sent; it is in `started` too.
   */
  sendingThread?: boolean
  /** What has started so far, undone in reverse when a later step fails. */
  started: Array<() => Promise<unknown>>
}

export interface Composed {
  context: GatewayContext
  emulator: RunningEmulator | undefined
  /** The admin token and whether it was generated into the data dir just now. */
  admin: { token: string; generated: boolean }
  /** Where this process listens, once it does: Daraja's callbacks go there in emulator mode without PUBLIC_SITE_URL. */
  setOwnUrl(url: string): void
}

/** PostgreSQL with DATABASE_URL (loaded only then), else the lowdb file in the data dir. */
async function openStore(config: GatewayConfig, log: Logger, clock: Clock, poolMax: number | undefined): Promise<Store> {
  if (!config.databaseUrl) return new LowdbStore(join(config.dataDir, 'gateway.json'), { deliverTo: deliversTo, warn: (message, fields) => log.warn(message, fields), now: () => clock.now() })
  const { PgStore } = await import('../store/postgres/pg-store.js')
  return new PgStore(config.databaseUrl, { deliverTo: deliversTo, ...(poolMax ? { max: poolMax } : {}) })
}

/**
 * Builds the one context every way of running the gateway shares (`mpg serve`, `mpg worker`, the
 * fetch handler): the store opened, the admin token, the seal key checked, Daraja (or the bundled
 * emulator) and the event bus. Nothing listens and no background work starts here.
 */
export async function composeGateway(config: GatewayConfig, log: Logger, options: ComposeOptions): Promise<Composed> {
  const { started } = options
  // Test mode: a clock that keeps the machine's time until a test moves it ahead.
  const clock = options.clock ?? (config.testMode ? createVirtualClock(undefined, { ticking: true }) : systemClock)
  const store = options.store ?? (await openStore(config, log, clock, options.poolMax))
  await store.open()
  started.push(() => store.close())
  const admin = resolveAdminToken(config.dataDir, config.adminToken)
  try {
    // A damaged seal-key is refused now, not at the first webhook endpoint.
    sealKeyFor(config)
  } catch (error) {
    throw new MpgError('config', (error as Error).message, { suggestion: 'Restore the seal-key file from the backup of this data dir (webhook secrets sealed with it cannot be read without it).' })
  }

  let emulator: RunningEmulator | undefined
  let darajaBaseUrl = config.darajaBaseUrl
  let credentials = {
    consumerKey: config.consumerKey,
    consumerSecret: config.consumerSecret,
    securityCredential: config.securityCredential,
  }
  if (config.darajaEnv === 'emulator') {
    const emulatorModule = await import('../../emulator/index.js')
    if (!darajaBaseUrl && options.startEmulator) {
      const running = await emulatorModule.startEmulator({
        port: 0,
        profile: config.emulatorProfile,
        shortcodeType: config.transactionType === 'CustomerBuyGoodsOnline' ? 'till' : 'paybill',
        tillNumber: config.partyB,
        callbackDelayMs: config.emulatorCallbackDelayMs,
        shortcode: config.shortcode,
        passkey: config.passkey,
        consumerKey: config.consumerKey,
        consumerSecret: config.consumerSecret,
        securityCredential: config.securityCredential,
        // One clock for both: advancing it moves the gateway's retries and the emulator's callbacks together.
        clock,
      })
      emulator = running
      started.push(() => running.close())
      darajaBaseUrl = running.url
    }
    if (!darajaBaseUrl) {
      throw new MpgError('config', 'Configuration error: in emulator mode this needs DARAJA_BASE_URL (a running emulator).', {
        suggestion: 'Start one with `mpg emulator start` and set DARAJA_BASE_URL to its URL, or set DARAJA_ENV=sandbox with your Daraja credentials.',
        detail: { variable: 'DARAJA_BASE_URL' },
      })
    }
    credentials = {
      consumerKey: config.consumerKey ?? emulatorModule.DEFAULT_CONSUMER_KEY,
      consumerSecret: config.consumerSecret ?? emulatorModule.DEFAULT_CONSUMER_SECRET,
      securityCredential: config.securityCredential ?? emulatorModule.DEFAULT_SECURITY_CREDENTIAL,
    }
  }

  // Not under a virtual clock: its advance waits for work on this event loop, so exchanges stay here.
  const sendingThread = options.sendingThread && !isVirtualClock(clock) ? startSendingThread() : undefined
  if (sendingThread) started.push(() => sendingThread.close())

  let ownUrl = ''
  const context: GatewayContext = {
    config,
    store,
    clock,
    daraja: createDarajaClient({
      baseUrl: darajaBaseUrl!,
      consumerKey: credentials.consumerKey!,
      consumerSecret: credentials.consumerSecret!,
      shortcode: config.shortcode,
      passkey: config.passkey!,
      transactionType: config.transactionType,
      partyB: config.partyB,
      b2cShortcode: config.b2cShortcode,
      initiatorName: config.initiatorName,
      securityCredential: credentials.securityCredential,
      timeoutMs: config.darajaTimeoutMs,
      now: () => clock.now(),
      thread: sendingThread,
    }),
    darajaUrl: darajaBaseUrl!,
    // Several processes on one database: events reach this one's streams and workers from the store.
    bus: options.bus === 'feed' && store.shared ? new StoreEventBus(store, log) : new EventBus(),
    log,
    adminToken: admin.token,
    publicUrl: () => config.publicSiteUrl ?? (config.darajaEnv === 'emulator' && ownUrl ? ownUrl : undefined),
    pushesInFlight: new Map(),
    b2cInFlight: new Set(),
    leaseOwner: newId('gw'),
    rateLimiter: createRateLimiter(config.rateLimits),
    sendingThread,
  }
  return {
    context,
    emulator,
    admin,
    setOwnUrl(url) {
      ownUrl = url
    },
  }
}
