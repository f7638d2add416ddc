import { createHash } from 'node:crypto'
import { ApiError } from '../gateway/errors.js'
import type { Store } from '../store/store.js'

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

export interface ApiResult {
  status: number
  body: unknown
  headers?: Record<string, string>
}

/** Canonical JSON (sorted keys) so that key order does not make two equal bodies differ. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function fingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex')
}

export interface IdempotentRun {
  store: Store
  scope: string
  fingerprint: string
  /** Runs the request; `link` records the transaction it created before Daraja is called. */
  run: (link: (transactionId: string) => Promise<void>) => Promise<ApiResult>
}

/**
 * Idempotency-Key semantics (product.md §2.3): same key + same body → the first answer again
 * (200, `Idempotent-Replayed: true`); different body → 422; still running → 409; a 5xx answer
 * does not consume the key.
 */
export async function runIdempotent({ store, scope, fingerprint: print, run }: IdempotentRun): Promise<ApiResult> {
  const now = new Date()
  const claim = () =>
    store.claimIdempotency({
      scope,
      fingerprint: print,
      state: 'in_flight',
      status_code: null,
      response: null,
      transaction_id: null,
      created_at: now.toISOString(),
    })
  let existing = await claim()
  if (existing && existing.state === 'done' && now.getTime() - Date.parse(existing.created_at) > IDEMPOTENCY_TTL_MS) {
    // Expired: the key is free again.
    await store.deleteIdempotency(scope)
    existing = await claim()
  }
  if (existing) {
    if (existing.fingerprint !== print) {
      throw new ApiError(422, 'Idempotency-Key reused with a different body', 'Use a new Idempotency-Key for a different request, or resend the original body.', 'the key was first used with another request body')
    }
    if (existing.state === 'in_flight') {
      throw new ApiError(409, 'Request with this Idempotency-Key is in progress', 'Wait for the first request to finish, then retry to get its answer.', 'the first request has not finished yet', { 'retry-after': '1' })
    }
    // A created object is replayed as 200 (seed); an error answer keeps its own status.
    const status = existing.status_code !== null && existing.status_code >= 400 ? existing.status_code : 200
    return { status, body: existing.response, headers: { 'idempotent-replayed': 'true' } }
  }

  const link = async (transactionId: string) => {
    const record = await store.getIdempotency(scope)
    if (record) await store.saveIdempotency({ ...record, transaction_id: transactionId })
  }
  let result: ApiResult
  try {
    result = await run(link)
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) {
      await store.deleteIdempotency(scope)
      throw error
    }
    // A 4xx is an answer like any other: replaying the key gives it again.
    await finish(store, scope, error.status, error.body())
    throw error
  }
  if (result.status >= 500) await store.deleteIdempotency(scope)
  else await finish(store, scope, result.status, result.body)
  return result
}

async function finish(store: Store, scope: string, status: number, body: unknown): Promise<void> {
  const record = await store.getIdempotency(scope)
  if (!record) return
  await store.saveIdempotency({ ...record, state: 'done', status_code: status, response: body })
}
