import { hashApiKey, API_KEY_PATTERN, secretsEqual } from '../../core/api-keys.js'
import type { GatewayContext } from '../../core/context.js'
import { isoTime } from '../../utils/iso-time.js'
import type { AccountRecord, ApiKeyRecord, Mode } from '../../store/records.js'
import { ApiError, errors } from '../errors.js'
import type { RouteEvent } from '../route.js'
import { enforceRateLimit } from './rate-limit.js'

export interface ApiKeyAuth {
  key: ApiKeyRecord
  account: AccountRecord
  mode: Mode
}

function bearer(event: RouteEvent): string {
  const values = event.req.headers.get('authorization')
  if (!values) throw errors.unauthorized('no Authorization header')
  if (values.includes(',')) throw errors.unauthorized('more than one Authorization header')
  const match = /^Bearer\s+(\S+)\s*$/i.exec(values)
  if (!match) throw errors.unauthorized('the Authorization header is not "Bearer <key>"')
  return match[1]
}

/** API-key auth: 401 for a missing, unknown or revoked key; 400 when the key's mode is not this gateway's. */
export async function requireApiKey(ctx: GatewayContext, event: RouteEvent): Promise<ApiKeyAuth> {
  const presented = bearer(event)
  if (!API_KEY_PATTERN.test(presented)) throw errors.unauthorized('the key is not of the form mpg_test_… or mpg_live_…')
  const key = await ctx.store.findApiKeyByHash(hashApiKey(presented))
  if (!key) throw errors.unauthorized('unknown API key')
  if (key.revoked_at) throw errors.unauthorized('this API key was revoked')
  const account = await ctx.store.getAccount(key.account_id)
  if (!account) throw errors.unauthorized('the key\'s account no longer exists')
  const liveGateway = ctx.config.darajaEnv === 'production'
  if ((key.mode === 'live') !== liveGateway) {
    throw new ApiError(
      400,
      'Test/live mode mismatch',
      key.mode === 'test'
        ? 'Test keys (mpg_test_) only work when the gateway runs against the Daraja sandbox or emulator; use a live key.'
        : 'Live keys (mpg_live_) require Daraja production credentials (DARAJA_ENV=production); use a test key.',
      `key mode ${key.mode}, gateway DARAJA_ENV ${ctx.config.darajaEnv}`,
    )
  }
  ctx.store.touchApiKey(key.id, isoTime(Date.now()))
  const auth = { key, account, mode: key.mode }
  enforceRateLimit(ctx, event, auth)
  return auth
}

/** Admin API: Bearer admin token (MPG_ADMIN_TOKEN or <data-dir>/admin-token). */
export function requireAdmin(ctx: GatewayContext, event: RouteEvent): void {
  const presented = bearer(event)
  if (!secretsEqual(presented, ctx.adminToken)) {
    throw new ApiError(401, 'Unauthorized', 'Use the admin token from MPG_ADMIN_TOKEN or <data-dir>/admin-token.', 'the admin token is wrong')
  }
}

/**
 * The cron tick: Bearer MPG_CRON_SECRET. Without a secret configured the route is off (503 naming
 * the setting), so a scheduler pointed at a gateway that was never given one fails loudly.
 */
export function requireCronSecret(ctx: GatewayContext, event: RouteEvent): void {
  const secret = ctx.config.cronSecret
  if (!secret) {
    throw new ApiError(503, 'Cron tick not configured', 'Set MPG_CRON_SECRET (openssl rand -hex 24) on the gateway and send it as `Authorization: Bearer <secret>`.', 'MPG_CRON_SECRET is not set')
  }
  const header = event.req.headers.get('authorization')
  const presented = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined
  if (!presented || !secretsEqual(presented, secret)) {
    throw new ApiError(401, 'Unauthorized', 'Send `Authorization: Bearer <MPG_CRON_SECRET>` (on Vercel, give CRON_SECRET the same value).', presented ? 'the cron secret is wrong' : 'no Bearer token')
  }
}
