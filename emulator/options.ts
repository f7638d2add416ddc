import {
  SANDBOX_B2C_SHORTCODE,
  SANDBOX_INITIATOR_NAME,
  SANDBOX_INITIATOR_PASSWORD,
  SANDBOX_PASSKEY,
  SANDBOX_SHORTCODE,
} from '../src/schemas/daraja.js'
import { systemClock, type Clock } from '../src/utils/clock.js'
import { isProfile, PROFILE_SETTINGS, PROFILES, type EmulatorProfile } from './profiles.js'

export interface EmulatorOptions {
  /** `fast` (default): quick, deterministic. `sandbox`: today's real sandbox timings and quirks (see README). */
  profile?: EmulatorProfile
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number
  /** Interface to bind; default 127.0.0.1. */
  host?: string
  consumerKey?: string
  consumerSecret?: string
  /** The STK (Lipa na M-Pesa) shortcode; default the sandbox paybill 174379. */
  shortcode?: string
  /** The STK passkey; default the public sandbox passkey. */
  passkey?: string
  /** `paybill` (default, like 174379) rejects `CustomerBuyGoodsOnline`; `till` rejects `CustomerPayBillOnline`. */
  shortcodeType?: 'paybill' | 'till'
  /** With `shortcodeType: 'till'`: the till number `PartyB` must name (the shortcode is the head-office/store number); default the shortcode. */
  tillNumber?: string
  b2cShortcode?: string
  initiatorName?: string
  /** The one SecurityCredential the emulator accepts; B2C requests with another get result 2001. */
  securityCredential?: string
  /** Delay before a callback is sent (and before a query reports the result); default 100 ms (sandbox profile: 17 s). */
  callbackDelayMs?: number
  /** Access-token lifetime in seconds, returned as `expires_in`; default 3599. */
  tokenTtlS?: number
  /** Deadline for each callback POST; default 10 s. */
  callbackTimeoutMs?: number
  /** Most transactions kept (oldest evicted first); default 10 000. */
  maxTransactions?: number
  /** Most finished STK and B2C transactions kept of each kind (oldest finished forgotten first); default 10 000. */
  maxFinishedTransactions?: number
  /** Most journal entries kept per journal (oldest evicted first); default 1 000. */
  maxJournal?: number
  /** How long C2B waits for a validation answer; default 1 s (sandbox profile: 8 s). */
  c2bValidationTimeoutMs?: number
  /** The clock; tests may pass a fixed one (and move it with `advanceClock`). */
  now?: () => Date
  /**
   * Time and timers (a gateway's virtual clock, createVirtualClock): callbacks fall due on it, so one
   * `clock.advance()` moves the gateway and this emulator together. Default the machine's clock.
   */
  clock?: Clock
}

/** What a client needs to talk to the emulator. */
export interface EmulatorCredentials {
  consumerKey: string
  consumerSecret: string
  shortcode: string
  passkey: string
  b2cShortcode: string
  initiatorName: string
  securityCredential: string
}

export interface EmulatorConfig extends EmulatorCredentials {
  profile: EmulatorProfile
  /** The generic test number's delay and whether it pays, from the profile. */
  testNumberPays: boolean
  testNumberDelayMs: number
  spikeArrest: { limit: number; windowMs: number } | null
  c2bValidationTimeoutMs: number
  port: number
  host: string
  shortcodeType: 'paybill' | 'till'
  tillNumber: string
  callbackDelayMs: number
  tokenTtlS: number
  callbackTimeoutMs: number
  maxTransactions: number
  maxFinishedTransactions: number
  maxJournal: number
  /** The configured clock (`now`, else `clock`, else the machine's) as epoch ms: read several times per request, so no Date is made for it. */
  nowMs: () => number
  clock: Clock
}

export const DEFAULT_EMULATOR_PORT = 8989
export const DEFAULT_CONSUMER_KEY = 'mpg-emulator-consumer-key'
export const DEFAULT_CONSUMER_SECRET = 'mpg-emulator-consumer-secret'
/** Fixed so CI configs can hard-code it; real credentials are RSA-encrypted, this one is compared as-is. */
export const DEFAULT_SECURITY_CREDENTIAL = Buffer.from(`mpg-emulator:${SANDBOX_INITIATOR_PASSWORD}`).toString('base64')

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`startEmulator: ${name} must be a number ≥ 0, got ${value}`)
  return value
}

export function resolveOptions(options: EmulatorOptions = {}): EmulatorConfig {
  const profile = options.profile ?? 'fast'
  if (!isProfile(profile)) throw new RangeError(`startEmulator: profile must be one of ${PROFILES.join(', ')}, got ${String(profile)}`)
  const settings = PROFILE_SETTINGS[profile]
  const tokenTtlS = nonNegative('tokenTtlS', options.tokenTtlS, 3599)
  if (tokenTtlS < 1) throw new RangeError('startEmulator: tokenTtlS must be at least 1 second')
  return {
    profile,
    testNumberPays: settings.testNumberPays,
    testNumberDelayMs: settings.testNumberDelayMs,
    spikeArrest: settings.spikeArrest,
    c2bValidationTimeoutMs: nonNegative('c2bValidationTimeoutMs', options.c2bValidationTimeoutMs, settings.c2bValidationTimeoutMs),
    port: nonNegative('port', options.port, 0),
    host: options.host ?? '127.0.0.1',
    consumerKey: options.consumerKey ?? DEFAULT_CONSUMER_KEY,
    consumerSecret: options.consumerSecret ?? DEFAULT_CONSUMER_SECRET,
    shortcode: options.shortcode ?? SANDBOX_SHORTCODE,
    passkey: options.passkey ?? SANDBOX_PASSKEY,
    shortcodeType: options.shortcodeType ?? 'paybill',
    tillNumber: options.tillNumber ?? options.shortcode ?? SANDBOX_SHORTCODE,
    b2cShortcode: options.b2cShortcode ?? SANDBOX_B2C_SHORTCODE,
    initiatorName: options.initiatorName ?? SANDBOX_INITIATOR_NAME,
    securityCredential: options.securityCredential ?? DEFAULT_SECURITY_CREDENTIAL,
    callbackDelayMs: nonNegative('callbackDelayMs', options.callbackDelayMs, settings.callbackDelayMs),
    tokenTtlS,
    callbackTimeoutMs: nonNegative('callbackTimeoutMs', options.callbackTimeoutMs, 10_000),
    maxTransactions: Math.max(1, nonNegative('maxTransactions', options.maxTransactions, 10_000)),
    maxFinishedTransactions: Math.max(1, nonNegative('maxFinishedTransactions', options.maxFinishedTransactions, 10_000)),
    maxJournal: Math.max(1, nonNegative('maxJournal', options.maxJournal, 1_000)),
    nowMs: options.now ? () => options.now!().getTime() : options.clock ? () => options.clock!.now() : Date.now,
    clock: options.clock ?? systemClock,
  }
}

export function credentialsOf(config: EmulatorConfig): EmulatorCredentials {
  const { consumerKey, consumerSecret, shortcode, passkey, b2cShortcode, initiatorName, securityCredential } = config
  return { consumerKey, consumerSecret, shortcode, passkey, b2cShortcode, initiatorName, securityCredential }
}

/** The credentials as printed and served: snake_case, as `mpg emulator start --json` prints them. */
export function credentialsWire(c: EmulatorCredentials) {
  return {
    consumer_key: c.consumerKey,
    consumer_secret: c.consumerSecret,
    shortcode: c.shortcode,
    passkey: c.passkey,
    b2c_shortcode: c.b2cShortcode,
    initiator_name: c.initiatorName,
    security_credential: c.securityCredential,
  }
}
