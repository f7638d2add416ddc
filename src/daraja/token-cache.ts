import { darajaErrorSchema, oauthResponseSchema } from '../schemas/daraja.js'
import { NetworkError, parseJsonBody, sendRequest } from '../http/request.js'
import type { RequestThread } from '../http/request-thread.js'
import { DarajaCallError } from './errors.js'

export interface TokenSource {
  baseUrl: string
  consumerKey: string
  consumerSecret: string
  timeoutMs: number
  /** When the token expires is decided on this clock; default Date.now. */
  now?: () => number
  /** Where the fetch is made once it has loaded (sendRequest's `thread`). */
  thread?: RequestThread
}

/**
 * One OAuth token shared by every call, fetched once for concurrent callers and renewed a minute
 * before Daraja's 3599 s lifetime or when Daraja calls it invalid.
 */
export class TokenCache {
  private token: string | undefined
  private expiresAt = 0
  private inflight: Promise<string> | undefined

  private readonly now: () => number

  constructor(private readonly source: TokenSource) {
    this.now = source.now ?? Date.now
  }

  async get(): Promise<string> {
    return this.current() ?? this.refresh()
  }

  /** The token while it is fresh, without waiting (undefined when it must be fetched). */
  current(): string | undefined {
    return this.token && this.now() < this.expiresAt ? this.token : undefined
  }

  /** Drops `stale` (if it is still the current token) and fetches a new one, sharing the fetch. */
  async invalidate(stale: string): Promise<string> {
    if (this.token === stale) {
      this.token = undefined
      this.expiresAt = 0
    }
    return this.get()
  }

  private refresh(): Promise<string> {
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined
    })
    return this.inflight
  }

  private async fetchToken(): Promise<string> {
    const basic = Buffer.from(`${this.source.consumerKey}:${this.source.consumerSecret}`).toString('base64')
    let res
    try {
      res = await sendRequest({
        method: 'GET',
        url: `${this.source.baseUrl}/oauth/v1/generate?grant_type=client_credentials`,
        headers: { authorization: `Basic ${basic}` },
        timeoutMs: this.source.timeoutMs,
        retries: 1,
        thread: this.source.thread,
      })
    } catch (error) {
      const message = error instanceof NetworkError ? error.message : String(error)
      throw new DarajaCallError('unreachable', null, null, `OAuth request failed: ${message}`)
    }
    const json = parseJsonBody(res.body)
    if (res.status !== 200) {
      const envelope = darajaErrorSchema.safeParse(json)
      if (envelope.success) throw new DarajaCallError('refused', res.status, envelope.data.errorCode, envelope.data.errorMessage)
      throw new DarajaCallError('bad_answer', res.status, null, `OAuth answered HTTP ${res.status}`)
    }
    const parsed = oauthResponseSchema.safeParse(json)
    if (!parsed.success) throw new DarajaCallError('bad_answer', res.status, null, 'OAuth answer has no access_token')
    const lifetimeS = Number(parsed.data.expires_in)
    const ttlMs = Number.isFinite(lifetimeS) && lifetimeS > 0 ? lifetimeS * 1000 : 3_599_000
    // Renew early (a minute, or 10% for short test lifetimes) so a call never carries an expired token.
    this.expiresAt = this.now() + Math.max(ttlMs - Math.min(60_000, ttlMs * 0.1), 0)
    this.token = parsed.data.access_token
    return this.token
  }
}
