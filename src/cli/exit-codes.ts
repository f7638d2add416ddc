import type { ErrorKind } from '../errors.js'

/** Exit codes of `mpg`, listed in the README. Scripts may rely on them. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONFIG: 3,
  UNREACHABLE: 4,
  AUTH: 5,
  NOT_FOUND: 6,
  CONFLICT: 7,
  UPSTREAM: 8,
  PAYMENT_FAILED: 9,
  TIMEOUT: 10,
  /** `webhooks verify`: the input was usable and the signature is not valid. */
  SIGNATURE_INVALID: 11,
  /** `webhooks test`: the receiver failed at least one case. */
  TEST_FAILED: 12,
  /** `reconcile`: Daraja and the gateway disagree about something this run did not settle. */
  DISAGREEMENT: 13,
  /** Ctrl-C: the shell's convention (128 + SIGINT). */
  INTERRUPTED: 130,
} as const

export type ExitCodeName = keyof typeof ExitCode

export const exitCodeForKind: Record<ErrorKind, number> = {
  usage: ExitCode.USAGE,
  config: ExitCode.CONFIG,
  unreachable: ExitCode.UNREACHABLE,
  auth: ExitCode.AUTH,
  not_found: ExitCode.NOT_FOUND,
  conflict: ExitCode.CONFLICT,
  upstream: ExitCode.UPSTREAM,
  payment_failed: ExitCode.PAYMENT_FAILED,
  timeout: ExitCode.TIMEOUT,
  signature_invalid: ExitCode.SIGNATURE_INVALID,
  test_failed: ExitCode.TEST_FAILED,
  internal: ExitCode.FAILURE,
}
