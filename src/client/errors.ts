import { MpgError, type ErrorKind } from '../errors.js'
import { parseJsonBody } from '../http/request.js'
import { errorBodySchema } from '../schemas/gateway-responses.js'

/** The gateway answered with an error (`{error, hint, detail}`) */
export class GatewayApiError extends MpgError {
  constructor(
    readonly status: number,
    readonly body: { error: string; hint: string; detail: string },
  ) {
    super(kindForStatus(status), body.detail ? `${body.error} (${body.detail})` : body.error, { suggestion: body.hint, detail: body })
    this.name = 'GatewayApiError'
  }
}

/** The error answer in `text` (`{error, hint, detail}`), or `fallback` when the text is not one. */
export function gatewayApiError(status: number, text: string, fallback: GatewayApiError['body']): GatewayApiError {
  const body = errorBodySchema.safeParse(parseJsonBody(text))
  return new GatewayApiError(status, body.success ? body.data : fallback)
}

function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth'
  if (status === 404) return 'not_found'
  if (status === 409 || status === 422) return 'conflict'
  if (status === 502 || status === 503 || status === 504) return 'upstream'
  if (status >= 400 && status < 500) return 'usage'
  return 'internal'
}
