import type { z } from 'zod'
import { DomainError, type DomainErrorKind } from '../core/errors.js'
import type { StorageError } from '../store/errors.js'

/** Every error the API answers is `{ error, hint, detail }` (gateway-api.txt). */
export interface ErrorBody {
  error: string
  hint: string
  detail: string
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly hint: string,
    readonly detail: string = '',
    readonly headers: Record<string, string> = {},
  ) {
    super(error)
    this.name = 'ApiError'
  }

  body(): ErrorBody {
    return { error: this.error, hint: this.hint, detail: this.detail }
  }
}

/** The HTTP status of each domain error kind: the only place core's errors meet HTTP. */
export const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  precondition: 400,
  not_found: 404,
  conflict: 409,
  mismatch: 422,
  misconfigured: 500,
  upstream: 502,
}

/** A domain error as the API answers it: its kind's status and `{error, hint, detail}`. */
export function fromDomainError(error: DomainError): ApiError {
  const headers: Record<string, string> = error.retryAfterS === undefined ? {} : { 'retry-after': String(error.retryAfterS) }
  return new ApiError(STATUS_OF_KIND[error.kind], error.message, error.hint, error.detail, headers)
}

/** Turns zod issues into a 400 that names the fields but never echoes the input. */
export function validationError(error: z.ZodError, hint: string): ApiError {
  const issues = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : 'body'
    return `${path}: ${issue.message}`
  })
  const first = error.issues[0]
  const field = first?.path.length ? String(first.path[0]) : 'body'
  return new ApiError(400, `Validation failed: ${field}`, hint, issues.join('; '))
}

export const errors = {
  unauthorized: (detail: string) =>
    new ApiError(401, 'Unauthorized', 'Send `Authorization: Bearer mpg_test_…` (or mpg_live_…) with a key created by `mpg keys create`.', detail),
  routeNotFound: (method: string, path: string) =>
    new ApiError(404, 'Not found', 'Every endpoint is listed at GET /docs on this gateway (OpenAPI: GET /openapi.json).', `${method} ${path}`),
  methodNotAllowed: (method: string) => new ApiError(405, 'Method not allowed', 'Check the HTTP method of this endpoint.', method),
  internal: (requestId: string) =>
    new ApiError(500, 'Internal error', 'Retry later; if it persists, report it with the request id.', `request id ${requestId}`),
}

/** Seconds a client is told to wait before retrying after a storage failure. */
const STORAGE_RETRY_AFTER_S = 5

/**
 * The one place a storage failure meets HTTP: whatever the store threw (a failed write, a full
 * store, a closed one, a database that does not answer) is 503, naming the problem, with the
 * store's own next step as the hint. It is the operator's problem, not the caller's.
 */
export function storageUnavailable(error: StorageError): ApiError {
  const title = error.reason === 'full' ? 'Storage full' : error.reason === 'closed' ? 'Gateway stopping' : 'Storage unavailable'
  return new ApiError(503, title, error.hint, error.message, { 'retry-after': String(STORAGE_RETRY_AFTER_S) })
}
