import type { GatewayContext } from '../../core/context.js'
import type { Take, TokenBuckets } from '../../core/rate-limits.js'
import { ApiError } from '../errors.js'
import type { RouteEvent } from '../route.js'
import type { ApiKeyAuth } from './auth.js'

/** The merchant API's limits as HTTP: 429 with Retry-After and the IETF RateLimit headers. */

const describe = (b: TokenBuckets, per: string) => `${b.perS >= 1 ? `${b.perS} per second` : `${Math.round(b.perS * 60)} per minute`} (bursts of ${b.burst}) per ${per}`

function tooMany(bucket: TokenBuckets, take: Take, what: string, per: string): ApiError {
  return new ApiError(
    429,
    'Too many requests',
    `Slow down and retry after ${take.retryAfterS} s (the Retry-After header); the limit is ${describe(bucket, per)} on this gateway instance.`,
    `${what}: limit ${describe(bucket, per)}`,
    {
      'retry-after': String(take.retryAfterS),
      'ratelimit-policy': bucket.policy(),
      ratelimit: `"${bucket.name}";r=0;t=${take.retryAfterS}`,
    },
  )
}

/**
 * Counts one API-key request against its limits; throws a 429 when a limit is spent. Successful
 * answers get the limit's headers too, so clients can pace themselves.
 */
export function enforceRateLimit(ctx: GatewayContext, event: RouteEvent, auth: ApiKeyAuth): void {
  const limiter = ctx.rateLimiter
  if (!limiter?.config.enabled) return
  const isPush = event.req.method === 'POST' && event.url.pathname === '/api/v1/stk-push'
  const bucket = isPush ? limiter.push : limiter.api
  const take = bucket.take(auth.key.id)
  if (!take.ok) throw tooMany(bucket, take, isPush ? 'POST /api/v1/stk-push' : 'API requests', 'API key')
  if (event.req.method === 'POST' && event.url.pathname.endsWith('/resend')) {
    const resend = limiter.resends.take(auth.account.id)
    if (!resend.ok) throw tooMany(limiter.resends, resend, 'webhook resends', 'account')
  }
  event.res.headers.set('ratelimit-policy', bucket.policy())
  event.res.headers.set('ratelimit', `"${bucket.name}";r=${take.remaining};t=${take.resetS}`)
}

/** The per-key cap on event streams open at once. */
export function enforceStreamLimit(ctx: GatewayContext, auth: ApiKeyAuth, openNow: number): void {
  const limiter = ctx.rateLimiter
  if (!limiter?.config.enabled) return
  const max = limiter.config.streamsPerKey
  if (openNow < max) return
  throw new ApiError(
    429,
    'Too many event streams',
    `Close one of this key's event streams first; a key may hold ${max} open at once on this gateway instance.`,
    `${openNow} streams open with this key, limit ${max}`,
    { 'retry-after': '5', 'ratelimit-policy': `"streams";q=${max}`, ratelimit: `"streams";r=0` },
  )
}
