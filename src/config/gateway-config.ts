import { z } from 'zod'
import { MpgError } from '../errors.js'
import {
  SANDBOX_B2C_SHORTCODE,
  SANDBOX_INITIATOR_NAME,
  SANDBOX_PASSKEY,
  SANDBOX_SHORTCODE,
} from '../schemas/daraja.js'

export type DarajaEnv = 'emulator' | 'sandbox' | 'production'

export const DARAJA_BASE_URLS: Record<Exclude<DarajaEnv, 'emulator'>, string> = {
  sandbox: 'https://sandbox.safaricom.co.ke',
  production: 'https://api.safaricom.co.ke',
}

export interface GatewayConfig {
  port: number
  host: string
  dataDir: string
  darajaEnv: DarajaEnv
  /** Undefined in emulator mode without an override: the gateway starts its own emulator. */
  darajaBaseUrl: string | undefined
  consumerKey: string | undefined
  consumerSecret: string | undefined
  shortcode: string
  passkey: string | undefined
  transactionType: 'CustomerPayBillOnline' | 'CustomerBuyGoodsOnline'
  partyB: string | undefined
  b2cShortcode: string | undefined
  initiatorName: string | undefined
  securityCredential: string | undefined
  /** Base of Daraja callback URLs; in emulator mode the server's own URL when unset. */
  publicSiteUrl: string | undefined
  platformFeePercent: number
  adminToken: string | undefined
  /** MPG_CRON_SECRET: the Bearer token of `/api/v1/cron/tick`; undefined: that route answers 503. */
  cronSecret: string | undefined
  /** Deliveries one cron tick attempts at most (MPG_CRON_DELIVERIES). */
  cronDeliveries: number
  /** postgres://… : the PostgreSQL store, shared by every gateway process on it; undefined: lowdb in the data dir. */
  databaseUrl: string | undefined
  /** MPG_SEAL_KEY (32 bytes, base64): seals webhook secrets; undefined: the data dir's seal-key file. */
  sealKey: string | undefined
  reconcileAfterS: number
  /**
   * A push whose answer from Daraja never came (so there is no CheckoutRequestID to query) and
   * whose callback has not come either is declared `failed` this long after it was created.
   */
  unconfirmedPushTimeoutS: number
  /** The embedded emulator's profile: `fast`, or `sandbox` (today's real sandbox timings). */
  emulatorProfile: 'fast' | 'sandbox'
  /** undefined: the profile's own delay (17 s in `sandbox`). */
  emulatorCallbackDelayMs: number | undefined
  darajaTimeoutMs: number
  webhookTimeoutMs: number
  webhookRetryDelaysMs: number[]
  /** Deliveries in flight at once: in all, per account, per endpoint (a slow receiver only slows itself). */
  webhookConcurrency: { total: number; perAccount: number; perEndpoint: number }
  /** An endpoint whose every attempt failed for this long is disabled. */
  webhookDisableAfterMs: number
  /** Webhooks may reach loopback/private/link-local addresses (default only in emulator mode). */
  allowPrivateWebhookUrls: boolean
  rateLimits: RateLimitConfig
  /** Waits between B2C attempts after a transient refusal; attempts = length + 1. */
  payoutRetryDelaysMs: number[]
  /** A B2C without a result this long after Daraja took it is asked about (Transaction Status). */
  payoutStatusAfterS: number
  /**
   * MPG_TEST_MODE=1 (emulator mode, lowdb store): the gateway runs on a virtual clock that keeps time
   * with the machine's but can be moved ahead (`POST /__emulator/clock/advance`, `mpg emulator clock advance`).
   */
  testMode: boolean
  /** Events and finished webhook deliveries older than this are pruned (MPG_EVENT_RETENTION_DAYS, default 30 days). */
  eventRetentionMs: number
  /** A finished request's Idempotency-Key is kept this long (MPG_IDEMPOTENCY_KEY_TTL_H, default 24 h). */
  idempotencyKeyTtlMs: number
}

/** Per-instance limits on the merchant API (see the README's Security section). */
export interface RateLimitConfig {
  enabled: boolean
  /** POST /api/v1/stk-push per API key: tokens per second and bucket size. */
  pushPerS: number
  pushBurst: number
  /** Every other API-key request per key. */
  apiPerS: number
  apiBurst: number
  /** Event streams open at once per key. */
  streamsPerKey: number
  /** Webhook resends per account per minute. */
  resendsPerMin: number
}

export interface ServeFlags {
  port?: number
  host?: string
  'data-dir'?: string
  'database-url'?: string
}

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`)

const num = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .refine(Number.isFinite, `${name} must be a finite number`)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`))

const url = (name: string) =>
  z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL, e.g. https://pay.example.com` }).transform((u) => u.replace(/\/+$/, ''))

const flag = (name: string) =>
  z.enum(['1', '0', 'true', 'false', 'yes', 'no'], { error: `${name} must be 1 or 0` }).transform((v) => v === '1' || v === 'true' || v === 'yes')

const digits = (name: string) => z.string().regex(/^\d{5,7}$/, `${name} must be a 5–7 digit shortcode`)
const text = (name: string) => z.string().trim().min(1, `${name} must not be empty`)

/** A comma list of waits in milliseconds (`5000,25000,125000`). */
const delayList = (name: string, defaults: number[]) =>
  z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, `${name} must be comma-separated milliseconds, e.g. ${defaults.join(',')}`)
    .transform((s) => s.split(',').map((part) => Number(part.trim())))
    .default(defaults)

/** Every environment variable the gateway reads, and its default: the README's configuration table lists each (test/docs). */
export const gatewayEnvSchema = z.object({
  PORT: int('PORT', 0, 65535).default(8787),
  HOST: text('HOST').default('127.0.0.1'),
  MPG_DATA_DIR: text('MPG_DATA_DIR').default('.mpg'),
  DARAJA_ENV: z.enum(['emulator', 'sandbox', 'production'], { error: 'DARAJA_ENV must be emulator, sandbox or production' }).optional(),
  DARAJA_BASE_URL: url('DARAJA_BASE_URL').optional(),
  DARAJA_CONSUMER_KEY: text('DARAJA_CONSUMER_KEY').optional(),
  DARAJA_CONSUMER_SECRET: text('DARAJA_CONSUMER_SECRET').optional(),
  DARAJA_SHORTCODE: digits('DARAJA_SHORTCODE').optional(),
  DARAJA_PASSKEY: text('DARAJA_PASSKEY').optional(),
  DARAJA_TRANSACTION_TYPE: z
    .enum(['CustomerPayBillOnline', 'CustomerBuyGoodsOnline'], {
      error: 'DARAJA_TRANSACTION_TYPE must be CustomerPayBillOnline or CustomerBuyGoodsOnline',
    })
    .default('CustomerPayBillOnline'),
  DARAJA_PARTY_B: digits('DARAJA_PARTY_B').optional(),
  DARAJA_B2C_SHORTCODE: digits('DARAJA_B2C_SHORTCODE').optional(),
  DARAJA_INITIATOR_NAME: text('DARAJA_INITIATOR_NAME').optional(),
  DARAJA_SECURITY_CREDENTIAL: text('DARAJA_SECURITY_CREDENTIAL').optional(),
  DARAJA_TIMEOUT_MS: int('DARAJA_TIMEOUT_MS', 100, 120_000).default(15_000),
  PUBLIC_SITE_URL: url('PUBLIC_SITE_URL').optional(),
  PLATFORM_FEE_PERCENT: num('PLATFORM_FEE_PERCENT', 0, 100).default(1.5),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'DATABASE_URL must be a PostgreSQL URL, e.g. postgres://user:password@db.example.com:5432/mpg')
    .optional(),
  MPG_SEAL_KEY: z
    .string()
    .trim()
    .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, 'MPG_SEAL_KEY must be 32 random bytes in base64 (openssl rand -base64 32)')
    .optional(),
  MPG_ADMIN_TOKEN: z.string().trim().min(16, 'MPG_ADMIN_TOKEN must be at least 16 characters').optional(),
  MPG_CRON_SECRET: z.string().trim().min(16, 'MPG_CRON_SECRET must be at least 16 characters (openssl rand -hex 24)').optional(),
  MPG_CRON_DELIVERIES: int('MPG_CRON_DELIVERIES', 1, 10_000).default(100),
  MPG_RECONCILE_AFTER_S: num('MPG_RECONCILE_AFTER_S', 0.05, 86_400).default(60),
  MPG_UNCONFIRMED_PUSH_TIMEOUT_S: num('MPG_UNCONFIRMED_PUSH_TIMEOUT_S', 0.05, 86_400).default(600),
  MPG_EMULATOR_CALLBACK_DELAY_MS: int('MPG_EMULATOR_CALLBACK_DELAY_MS', 0, 600_000).optional(),
  MPG_EMULATOR_PROFILE: z.enum(['fast', 'sandbox'], { error: 'MPG_EMULATOR_PROFILE must be fast or sandbox' }).default('fast'),
  MPG_WEBHOOK_TIMEOUT_MS: int('MPG_WEBHOOK_TIMEOUT_MS', 1, 120_000).default(10_000),
  MPG_WEBHOOK_RETRY_DELAYS_MS: delayList('MPG_WEBHOOK_RETRY_DELAYS_MS', [5000, 25_000, 125_000]),
  MPG_PAYOUT_RETRY_DELAYS_MS: delayList('MPG_PAYOUT_RETRY_DELAYS_MS', [30_000, 60_000, 150_000, 360_000]),
  MPG_PAYOUT_STATUS_AFTER_S: num('MPG_PAYOUT_STATUS_AFTER_S', 0.05, 86_400).default(120),
  MPG_WEBHOOK_CONCURRENCY: int('MPG_WEBHOOK_CONCURRENCY', 1, 10_000).default(64),
  MPG_WEBHOOK_CONCURRENCY_PER_ACCOUNT: int('MPG_WEBHOOK_CONCURRENCY_PER_ACCOUNT', 1, 10_000).default(16),
  MPG_WEBHOOK_CONCURRENCY_PER_ENDPOINT: int('MPG_WEBHOOK_CONCURRENCY_PER_ENDPOINT', 1, 10_000).default(4),
  MPG_WEBHOOK_DISABLE_AFTER_S: num('MPG_WEBHOOK_DISABLE_AFTER_S', 0.01, 365 * 86_400).default(86_400),
  MPG_ALLOW_PRIVATE_WEBHOOK_URLS: flag('MPG_ALLOW_PRIVATE_WEBHOOK_URLS').optional(),
  MPG_TEST_MODE: flag('MPG_TEST_MODE').optional(),
  MPG_RATE_LIMIT: z.enum(['on', 'off'], { error: 'MPG_RATE_LIMIT must be on or off' }).default('on'),
  MPG_RATE_LIMIT_PUSH_PER_S: num('MPG_RATE_LIMIT_PUSH_PER_S', 0.01, 1_000_000).default(50),
  MPG_RATE_LIMIT_PUSH_BURST: int('MPG_RATE_LIMIT_PUSH_BURST', 1, 1_000_000).default(100),
  MPG_RATE_LIMIT_API_PER_S: num('MPG_RATE_LIMIT_API_PER_S', 0.01, 1_000_000).default(200),
  MPG_RATE_LIMIT_API_BURST: int('MPG_RATE_LIMIT_API_BURST', 1, 1_000_000).default(400),
  MPG_RATE_LIMIT_STREAMS: int('MPG_RATE_LIMIT_STREAMS', 1, 100_000).default(10),
  MPG_RATE_LIMIT_RESENDS_PER_MIN: int('MPG_RATE_LIMIT_RESENDS_PER_MIN', 1, 1_000_000).default(60),
  MPG_EVENT_RETENTION_DAYS: num('MPG_EVENT_RETENTION_DAYS', 0.00001, 3650).default(30),
  MPG_IDEMPOTENCY_KEY_TTL_H: num('MPG_IDEMPOTENCY_KEY_TTL_H', 0.0001, 8760).default(24),
})

function blankToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(env)) out[k] = v === '' ? undefined : v
  return out
}

function configError(variable: string, message: string): MpgError {
  return new MpgError('config', `Configuration error: ${message}.`, {
    suggestion: `Fix ${variable} (environment or flag) and start again.`,
    detail: { variable },
  })
}

/**
 * Reads the gateway's configuration once, flags over environment, and fails with one line naming
 * the variable. `requirePublicUrl` is how `mpg serve` refuses to start without PUBLIC_SITE_URL
 * outside emulator mode; a gateway built from code without it answers 500 where it is needed.
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv, flags: ServeFlags = {}, options: { requirePublicUrl?: boolean } = {}): GatewayConfig {
  const merged = blankToUndefined(env)
  if (flags.port !== undefined) merged.PORT = String(flags.port)
  if (flags.host !== undefined) merged.HOST = flags.host
  if (flags['data-dir'] !== undefined) merged.MPG_DATA_DIR = flags['data-dir']
  if (flags['database-url'] !== undefined) merged.DATABASE_URL = flags['database-url']
  const parsed = gatewayEnvSchema.safeParse(merged)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw configError(String(issue.path[0]), issue.message)
  }
  const e = parsed.data
  if (e.DATABASE_URL) {
    // Several processes share the database: keys in a per-machine data dir would differ between them.
    const missing = (['MPG_SEAL_KEY', 'MPG_ADMIN_TOKEN'] as const).filter((name) => !e[name])
    if (missing.length > 0) {
      throw new MpgError('config', `Configuration error: with DATABASE_URL, ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required (every gateway process on the database must share ${missing.length > 1 ? 'them' : 'it'}).`, {
        suggestion: `Set ${missing.join(' and ')} to the same value${missing.length > 1 ? 's' : ''} on every instance (openssl rand -base64 32), then start again.`,
        detail: { variable: missing[0] },
      })
    }
  }
  if (e.MPG_TEST_MODE && e.DATABASE_URL) {
    // PostgreSQL decides what is due on the database's clock (several processes agree on it), which a test cannot move.
    throw configError('MPG_TEST_MODE', 'MPG_TEST_MODE works with the embedded store only, not with DATABASE_URL')
  }
  const hasCredentials = Boolean(e.DARAJA_CONSUMER_KEY || e.DARAJA_CONSUMER_SECRET)
  const darajaEnv: DarajaEnv = e.DARAJA_ENV ?? (hasCredentials ? 'sandbox' : 'emulator')

  if (darajaEnv !== 'emulator') {
    for (const name of ['DARAJA_CONSUMER_KEY', 'DARAJA_CONSUMER_SECRET', 'DARAJA_SHORTCODE', 'DARAJA_PASSKEY'] as const) {
      if (!e[name]) throw configError(name, `${name} is required when DARAJA_ENV is ${darajaEnv}`)
    }
    // Moving time is for tests against the emulator: never against Daraja's real clock.
    if (e.MPG_TEST_MODE) throw configError('MPG_TEST_MODE', `MPG_TEST_MODE works in emulator mode only, not with DARAJA_ENV ${darajaEnv}`)
    if (options.requirePublicUrl && !e.PUBLIC_SITE_URL) {
      throw configError('PUBLIC_SITE_URL', `PUBLIC_SITE_URL is required when DARAJA_ENV is ${darajaEnv} (Daraja must reach your callbacks)`)
    }
  } else if (e.DARAJA_BASE_URL && !hasCredentials) {
    // An emulator started elsewhere: its printed defaults are the sandbox ones, used below.
  }

  const emulatorDefaults = darajaEnv === 'emulator'
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.MPG_DATA_DIR,
    darajaEnv,
    darajaBaseUrl: e.DARAJA_BASE_URL ?? (darajaEnv === 'emulator' ? undefined : DARAJA_BASE_URLS[darajaEnv]),
    consumerKey: e.DARAJA_CONSUMER_KEY,
    consumerSecret: e.DARAJA_CONSUMER_SECRET,
    shortcode: e.DARAJA_SHORTCODE ?? SANDBOX_SHORTCODE,
    passkey: e.DARAJA_PASSKEY ?? (emulatorDefaults ? SANDBOX_PASSKEY : undefined),
    transactionType: e.DARAJA_TRANSACTION_TYPE,
    partyB: e.DARAJA_PARTY_B,
    b2cShortcode: e.DARAJA_B2C_SHORTCODE ?? (emulatorDefaults ? SANDBOX_B2C_SHORTCODE : undefined),
    initiatorName: e.DARAJA_INITIATOR_NAME ?? (emulatorDefaults ? SANDBOX_INITIATOR_NAME : undefined),
    securityCredential: e.DARAJA_SECURITY_CREDENTIAL,
    publicSiteUrl: e.PUBLIC_SITE_URL,
    platformFeePercent: e.PLATFORM_FEE_PERCENT,
    adminToken: e.MPG_ADMIN_TOKEN,
    cronSecret: e.MPG_CRON_SECRET,
    cronDeliveries: e.MPG_CRON_DELIVERIES,
    databaseUrl: e.DATABASE_URL,
    sealKey: e.MPG_SEAL_KEY,
    reconcileAfterS: e.MPG_RECONCILE_AFTER_S,
    unconfirmedPushTimeoutS: e.MPG_UNCONFIRMED_PUSH_TIMEOUT_S,
    emulatorProfile: e.MPG_EMULATOR_PROFILE,
    emulatorCallbackDelayMs: e.MPG_EMULATOR_CALLBACK_DELAY_MS ?? (e.MPG_EMULATOR_PROFILE === 'fast' ? 1000 : undefined),
    darajaTimeoutMs: e.DARAJA_TIMEOUT_MS,
    webhookTimeoutMs: e.MPG_WEBHOOK_TIMEOUT_MS,
    webhookRetryDelaysMs: e.MPG_WEBHOOK_RETRY_DELAYS_MS,
    webhookConcurrency: {
      total: e.MPG_WEBHOOK_CONCURRENCY,
      perAccount: e.MPG_WEBHOOK_CONCURRENCY_PER_ACCOUNT,
      perEndpoint: e.MPG_WEBHOOK_CONCURRENCY_PER_ENDPOINT,
    },
    webhookDisableAfterMs: Math.round(e.MPG_WEBHOOK_DISABLE_AFTER_S * 1000),
    // Private receivers are the point in emulator mode (mpg listen, local servers); with a real Daraja they are an SSRF.
    allowPrivateWebhookUrls: e.MPG_ALLOW_PRIVATE_WEBHOOK_URLS ?? darajaEnv === 'emulator',
    rateLimits: {
      enabled: e.MPG_RATE_LIMIT === 'on',
      pushPerS: e.MPG_RATE_LIMIT_PUSH_PER_S,
      pushBurst: e.MPG_RATE_LIMIT_PUSH_BURST,
      apiPerS: e.MPG_RATE_LIMIT_API_PER_S,
      apiBurst: e.MPG_RATE_LIMIT_API_BURST,
      streamsPerKey: e.MPG_RATE_LIMIT_STREAMS,
      resendsPerMin: e.MPG_RATE_LIMIT_RESENDS_PER_MIN,
    },
    payoutRetryDelaysMs: e.MPG_PAYOUT_RETRY_DELAYS_MS,
    payoutStatusAfterS: e.MPG_PAYOUT_STATUS_AFTER_S,
    testMode: e.MPG_TEST_MODE ?? false,
    eventRetentionMs: Math.round(e.MPG_EVENT_RETENTION_DAYS * 86_400_000),
    idempotencyKeyTtlMs: Math.round(e.MPG_IDEMPOTENCY_KEY_TTL_H * 3_600_000),
  }
}
