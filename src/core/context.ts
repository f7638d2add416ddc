import type { Clock } from './clock.js'
import type { DarajaClient } from '../daraja/client.js'
import type { GatewayConfig } from '../config/gateway-config.js'
import type { Store } from '../store/store.js'
import type { DeliveryWorker } from '../webhooks/delivery-worker.js'
import type { EventStreams } from '../webhooks/event-stream.js'
import type { SendingThread } from '../webhooks/send-off-thread.js'
import type { EventBus } from './event-bus.js'
import type { Logger } from './logger.js'
import type { RateLimiter } from './rate-limits.js'

/** Everything a use-case needs, built once by createGateway and passed down explicitly. */
export interface GatewayContext {
  config: GatewayConfig
  store: Store
  daraja: DarajaClient
  bus: EventBus
  log: Logger
  /** Business time and its timers (core/clock.ts): the machine's clock, or a virtual one in tests. */
  clock: Clock
  /** Guards the admin API: MPG_ADMIN_TOKEN, or the one generated into the data dir. */
  adminToken: string
  /** Where Daraja is (the emulator's URL in emulator mode). */
  darajaUrl: string
  /** Base of Daraja callback URLs, or undefined when PUBLIC_SITE_URL is missing outside emulator mode. */
  publicUrl(): string | undefined
  /** STK pushes whose Daraja answer is not stored yet, by transaction id (a callback may overtake it). */
  pushesInFlight: Map<string, Promise<unknown>>
  /** B2C calls waiting for Daraja's answer, by transaction id: a payout is never sent twice at once. */
  b2cInFlight: Set<string>
  /** This process's name on the payout leases it takes (processes sharing a store each have their own). */
  leaseOwner: string
  /**
   * The thread a long-running gateway makes its outbound exchanges on (webhook deliveries, Daraja's
   * requests), started with it and closed last; absent under a virtual clock and serverless, where
   * they are made on the event loop.
   */
  sendingThread?: SendingThread
  /** The webhook delivery worker while it runs (a resend wakes it); undefined before start and after stop. */
  deliveryWorker?: DeliveryWorker
  /** The event stream hub while it runs; undefined before start and after stop. */
  eventStreams?: EventStreams
  /**
   * Set when the gateway runs as a fetch handler (serverless): no background work runs in this
   * process (`mpg worker` or cron ticks do it), and work a request starts that may outlive its
   * answer (a payout's first B2C) is handed to the platform's `waitUntil`, when it has one.
   */
  serverless?: { waitUntil?: (work: Promise<unknown>) => void }
  /** The merchant API's per-instance rate limits (absent: no limits, e.g. a context built for a test). */
  rateLimiter?: RateLimiter
}
