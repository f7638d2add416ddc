/**
 * Typed errors thrown by services and the SDK. Only the CLI's base command turns them into
 * exit codes and printed messages; the gateway turns its own HttpError into `{error, hint, detail}`.
 */
export type ErrorKind =
  | 'usage'
  | 'config'
  | 'unreachable'
  | 'auth'
  | 'not_found'
  | 'conflict'
  | 'upstream'
  | 'payment_failed'
  | 'timeout'
  | 'signature_invalid'
  | 'test_failed'
  | 'internal'

export class MpgError extends Error {
  readonly kind: ErrorKind
  /** What the user should do next, phrased as an instruction. */
  readonly suggestion?: string
  /** Extra machine-readable context (never secrets). */
  readonly detail?: unknown

  constructor(kind: ErrorKind, message: string, options: { suggestion?: string; detail?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'MpgError'
    this.kind = kind
    this.suggestion = options.suggestion
    this.detail = options.detail
  }
}

export function isMpgError(error: unknown): error is MpgError {
  return error instanceof MpgError
}
