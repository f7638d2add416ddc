/**
 * What went wrong in a use-case, in domain terms. The gateway maps each kind to an HTTP status
 * in one place (`src/gateway/errors.ts`); core and webhooks never choose a status themselves.
 *
 * A storage failure is not a kind here: the store's own `StorageError` (src/store/errors.ts)
 * already names the problem and the operator's next step, so core lets it pass untouched and the
 * gateway answers it (503) — one error type from the store to the API.
 */
export type DomainErrorKind =
  /** The input is well-formed but not acceptable (a callback that does not match, a URL the policy refuses). */
  | 'invalid'
  /** The request is fine, but the state it needs is missing (e.g. an account without a payout account). */
  | 'precondition'
  /** The same key was used for a different request. */
  | 'mismatch'
  | 'not_found'
  /** The current state forbids it (already pending, in flight, deleted, too many). */
  | 'conflict'
  /** Daraja refused, failed or did not answer. */
  | 'upstream'
  /** The gateway's own settings make the request impossible. */
  | 'misconfigured'

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** A short sentence naming the problem (the API's `error`). */
    message: string,
    /** What to do next (the API's `hint`). */
    readonly hint: string,
    /** Specifics that help (the API's `detail`); never secrets. */
    readonly detail: string = '',
    /** Seconds after which a retry may succeed, when known. */
    readonly retryAfterS?: number,
  ) {
    super(message)
    this.name = 'DomainError'
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError
}

/** The one "no such object" answer: objects of other accounts and modes look the same as missing ones. */
export function notFound(what: string): DomainError {
  return new DomainError('not_found', `${what} not found`, 'Check the id; objects of other accounts and modes are not visible.', '')
}
