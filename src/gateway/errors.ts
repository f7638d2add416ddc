import type { z } from 'zod'

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
  notFound: (what: string) => new ApiError(404, `${what} not found`, 'Check the id; objects of other accounts and modes are not visible.', ''),
  routeNotFound: (method: string, path: string) =>
    new ApiError(404, 'Not found', 'See gateway-api docs in the README for the available endpoints.', `${method} ${path}`),
  methodNotAllowed: (method: string) => new ApiError(405, 'Method not allowed', 'Check the HTTP method of this endpoint.', method),
  internal: (requestId: string) =>
    new ApiError(500, 'Internal error', 'Retry later; if it persists, report it with the request id.', `request id ${requestId}`),
}
