import { MpgError } from '../errors.js'
import { NetworkError, parseJsonBody, sendRequest, type OutboundRequest, type OutboundResponse } from '../http/request.js'
import {
  stkPushResponseSchema,
  transactionEnvelopeSchema,
  transactionListSchema,
  type StkPushResult,
  type Transaction,
} from '../schemas/gateway-responses.js'
import { z } from 'zod'
import { gatewayApiError } from './errors.js'

const healthSchema = z.object({ status: z.string(), daraja_env: z.string(), emulator_url: z.string().optional() })
import { streamGatewayEvents, type EventStreamItem, type EventStreamOptions } from './event-stream.js'

export interface GatewayClientOptions {
  /** e.g. http://127.0.0.1:8787 */
  baseUrl: string
  /** mpg_test_… or mpg_live_… for the merchant API. */
  apiKey?: string
  /** For the admin API. */
  adminToken?: string
  timeoutMs?: number
  /**
   * On a 429 the client waits for `Retry-After` and tries again, at most `retries` times and only
   * when the wait is at most `maxWaitS` (default 3 retries, 10 s); otherwise the 429 is thrown.
   */
  rateLimitRetry?: { retries?: number; maxWaitS?: number }
  /**
   * How requests go out: sendRequest (pooled undici) unless given. A process that makes one
   * request and exits (the CLI's fast path) passes sendOneShot, which does not load undici.
   */
  send?: (req: OutboundRequest) => Promise<OutboundResponse>
}

export interface StkPushInput {
  amount: number
  phone: string
  reference: string
  description: string
}

export interface CallOptions<T> {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  json?: unknown
  headers?: Record<string, string>
  schema?: z.ZodType<T>
  auth: 'key' | 'admin'
  /** This call's deadline, for the few calls that outlast the client's default (a reconcile run). */
  timeoutMs?: number
}

export interface CallResult<T> {
  status: number
  data: T
  headers: Record<string, string>
}

/** Seconds of a `Retry-After` header (delta-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

/** Typed client of the gateway API (undici through the project's one outbound path). */
export class GatewayClient {
  readonly baseUrl: string
  private readonly apiKey?: string
  private readonly adminToken?: string
  private readonly timeoutMs: number
  private readonly rateLimitRetries: number
  private readonly rateLimitMaxWaitS: number
  private readonly transport: (req: OutboundRequest) => Promise<OutboundResponse>

  constructor(options: GatewayClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.apiKey = options.apiKey
    this.adminToken = options.adminToken
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.rateLimitRetries = options.rateLimitRetry?.retries ?? 3
    this.rateLimitMaxWaitS = options.rateLimitRetry?.maxWaitS ?? 10
    this.transport = options.send ?? sendRequest
  }

  /** Low-level call; throws GatewayApiError for error answers and MpgError('unreachable') without one. */
  async call<T>(options: CallOptions<T>): Promise<CallResult<T>> {
    const token = options.auth === 'admin' ? this.adminToken : this.apiKey
    if (!token) {
      throw options.auth === 'admin'
        ? new MpgError('auth', 'No admin token.', { suggestion: 'Set MPG_ADMIN_TOKEN, pass --admin-token, or run from the folder holding the gateway data dir (--data-dir).' })
        : new MpgError('auth', 'No API key.', { suggestion: 'Set MPG_API_KEY or pass --api-key (create one with `mpg keys create`).' })
    }
    let res = await this.send(options, token)
    // A 429 was refused before any work was done, so sending the same request again is safe (POSTs included).
    for (let retry = 0; res.status === 429 && retry < this.rateLimitRetries; retry++) {
      const waitS = retryAfterSeconds(res.headers['retry-after'])
      if (waitS === undefined || waitS > this.rateLimitMaxWaitS) break
      await new Promise((resolve) => setTimeout(resolve, waitS * 1000))
      res = await this.send(options, token)
    }
    if (res.status >= 400) {
      const notGateway = { error: `HTTP ${res.status}`, hint: 'Check that --base-url points at an mpesa-gateway.', detail: '' }
      const error = gatewayApiError(res.status, res.body, notGateway)
      if (error.body === notGateway) {
        // Not the gateway's error shape: whatever answers at baseUrl is not an mpesa-gateway.
        throw new MpgError('config', `${this.baseUrl} does not look like an mpesa-gateway (HTTP ${res.status} to ${options.method} ${options.path}).`, {
          suggestion: 'Point --base-url / MPG_BASE_URL at the gateway (`mpg serve` prints its URL).',
        })
      }
      throw error
    }
    const json = parseJsonBody(res.body)
    if (options.schema) {
      const parsed = options.schema.safeParse(json)
      if (!parsed.success) {
        throw new MpgError('internal', `Unexpected answer from ${options.path}.`, { suggestion: 'Check that --base-url points at an mpesa-gateway of the same version.' })
      }
      return { status: res.status, data: parsed.data, headers: res.headers }
    }
    return { status: res.status, data: json as T, headers: res.headers }
  }

  private async send<T>(options: CallOptions<T>, token: string) {
    try {
      return await this.transport({
        method: options.method,
        url: `${this.baseUrl}${options.path}`,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...options.headers },
        json: options.json,
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
      })
    } catch (error) {
      if (error instanceof NetworkError) {
        throw new MpgError('unreachable', `The gateway at ${this.baseUrl} did not answer (${error.message}).`, {
          suggestion: 'Start the gateway with `mpg serve`, or point --base-url / MPG_BASE_URL at it.',
        })
      }
      throw error
    }
  }

  /** `GET /health` (no auth): liveness, Daraja's environment and, in emulator mode, the emulator's URL. */
  async health(): Promise<{ status: string; daraja_env: string; emulator_url?: string }> {
    let res
    try {
      res = await this.transport({ method: 'GET', url: `${this.baseUrl}/health`, timeoutMs: this.timeoutMs })
    } catch (error) {
      if (error instanceof NetworkError) {
        throw new MpgError('unreachable', `The gateway at ${this.baseUrl} did not answer (${error.message}).`, {
          suggestion: 'Start the gateway with `mpg serve`, or point --base-url / MPG_BASE_URL at it.',
        })
      }
      throw error
    }
    const parsed = healthSchema.safeParse(parseJsonBody(res.body))
    if (res.status !== 200 || !parsed.success) {
      throw new MpgError('unreachable', `${this.baseUrl} does not look like an mpesa-gateway (GET /health answered ${res.status}).`, {
        suggestion: 'Point --base-url / MPG_BASE_URL at the gateway.',
      })
    }
    return parsed.data
  }

  async stkPush(input: StkPushInput, options: { idempotencyKey?: string } = {}): Promise<StkPushResult & { replayed: boolean }> {
    const result = await this.call({
      method: 'POST',
      path: '/api/v1/stk-push',
      json: input,
      headers: options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : undefined,
      schema: stkPushResponseSchema,
      auth: 'key',
    })
    return { ...result.data, replayed: result.headers['idempotent-replayed'] === 'true' }
  }

  async getTransaction(id: string): Promise<Transaction> {
    const result = await this.call({ method: 'GET', path: `/api/v1/transactions/${encodeURIComponent(id)}`, schema: transactionEnvelopeSchema, auth: 'key' })
    return result.data.transaction
  }

  /** `reference` matches exactly (case-sensitive); it combines with `status` and the cursor. */
  async listTransactions(query: { status?: string; reference?: string; limit?: number; starting_after?: string } = {}) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
    const qs = params.size ? `?${params}` : ''
    const result = await this.call({ method: 'GET', path: `/api/v1/transactions${qs}`, schema: transactionListSchema, auth: 'key' })
    return result.data
  }

  /**
   * The live event stream of the key's account and mode (`GET /api/v1/events/stream`), reconnecting
   * with `Last-Event-ID` when it drops. End it with `options.signal` or by leaving the loop.
   */
  streamEvents(options: EventStreamOptions = {}): AsyncGenerator<EventStreamItem> {
    if (!this.apiKey) {
      throw new MpgError('auth', 'No API key.', { suggestion: 'Set MPG_API_KEY or pass --api-key (create one with `mpg keys create`).' })
    }
    return streamGatewayEvents({ baseUrl: this.baseUrl, apiKey: this.apiKey }, options)
  }

  /** Whether this client holds an API key of test mode (`mpg_test_…`). */
  get keyMode(): 'test' | 'live' | undefined {
    if (this.apiKey?.startsWith('mpg_test_')) return 'test'
    if (this.apiKey?.startsWith('mpg_live_')) return 'live'
    return undefined
  }
}
