import type { RateLimitConfig } from '../config/gateway-config.js'

/**
 * Per-instance rate limits of the merchant API (token buckets in memory; a gateway behind a load
 * balancer multiplies them by its instance count until the PostgreSQL store shares them).
 * Answers carry the IETF `RateLimit-Policy` / `RateLimit` headers; a refusal is a 429 with
 * `Retry-After` and `{error, hint, detail}`.
 */

interface Bucket {
  tokens: number
  atMs: number
}

/** Buckets kept before idle (full) ones are swept. */
const SWEEP_ABOVE = 10_000

export interface Take {
  ok: boolean
  /** Whole requests left now. */
  remaining: number
  /** Seconds until a request is allowed again (0 when one is). */
  retryAfterS: number
  /** Seconds until the bucket is full again. */
  resetS: number
}

/** One limit: `perS` requests per second on average, `burst` at once, per partition (key or account). */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    readonly name: string,
    readonly perS: number,
    readonly burst: number,
  ) {}

  take(partition: string, nowMs = performance.now()): Take {
    let bucket = this.buckets.get(partition)
    if (!bucket) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(nowMs)
      bucket = { tokens: this.burst, atMs: nowMs }
      this.buckets.set(partition, bucket)
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((nowMs - bucket.atMs) / 1000) * this.perS)
    bucket.atMs = nowMs
    const ok = bucket.tokens >= 1
    if (ok) bucket.tokens -= 1
    return {
      ok,
      remaining: Math.floor(bucket.tokens),
      retryAfterS: ok ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / this.perS)),
      resetS: Math.ceil((this.burst - bucket.tokens) / this.perS),
    }
  }

  /** `RateLimit-Policy` item: the bucket as a quota over the window that refills it. */
  policy(): string {
    return `"${this.name}";q=${this.burst};w=${Math.max(1, Math.ceil(this.burst / this.perS))}`
  }

  private sweep(nowMs: number) {
    for (const [partition, bucket] of this.buckets) {
      if (bucket.tokens + ((nowMs - bucket.atMs) / 1000) * this.perS >= this.burst) this.buckets.delete(partition)
    }
  }
}

export interface RateLimiter {
  config: RateLimitConfig
  push: TokenBuckets
  api: TokenBuckets
  resends: TokenBuckets
}

export function createRateLimiter(config: RateLimitConfig): RateLimiter {
  return {
    config,
    push: new TokenBuckets('stk-push', config.pushPerS, config.pushBurst),
    api: new TokenBuckets('api', config.apiPerS, config.apiBurst),
    resends: new TokenBuckets('resends', config.resendsPerMin / 60, config.resendsPerMin),
  }
}

