import { GatewayApiError } from '../client/errors.js'
import { MpgError } from '../errors.js'
import { exitCodeForKind } from './exit-codes.js'

/** One style for every line `mpg` prints about a problem: "Sentence. Next step." */
export function asSentence(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim()
  if (flat === '') return flat
  return /[.!?]["'`)]*$/.test(flat) ? flat : `${flat}.`
}

/** What `--json` prints for a typed error (stdout, the exit code named inside). */
export function errorDocument(error: MpgError) {
  return { error: { kind: error.kind, message: asSentence(error.message), suggestion: error.suggestion && asSentence(error.suggestion), exit_code: exitCodeForKind[error.kind] } }
}

/** The one line a typed error gets on stderr, unwrapped (CI logs and greps see it whole): what went wrong. What to do next. */
export function errorLine(error: MpgError): string {
  return `Error: ${[error.message, error.suggestion].filter(Boolean).map((s) => asSentence(s!)).join(' ')}\n`
}

const FILE_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EEXIST'])

export const API_KEY_HINT = 'Save a key with `mpg config set --api-key mpg_test_…`, or pass --api-key / set MPG_API_KEY (new keys: `mpg keys create`).'
export const ADMIN_TOKEN_HINT = 'Pass --admin-token or set MPG_ADMIN_TOKEN, or run from the folder holding the gateway data dir (--data-dir).'

/**
 * Errors as a CLI user should read them: the API's hints are written for HTTP callers ("Send
 * Authorization: Bearer …"), so the ones a CLI user meets are re-worded to name the flag or command
 * that fixes them. An error nothing anticipated still gets one line and a next step.
 */
export function cliError(error: Error & { code?: string; path?: string }): MpgError {
  if (error instanceof GatewayApiError) {
    const detail = error.body.detail
    if (error.status === 401) {
      const admin = /admin token/.test(detail)
      return new MpgError('auth', `The gateway refused the ${admin ? 'admin token' : 'API key'}${detail ? ` (${detail})` : ''}`, { suggestion: admin ? ADMIN_TOKEN_HINT : API_KEY_HINT, detail: error.body, cause: error })
    }
    if (error.status === 404 && error.body.error === 'Not found') {
      return new MpgError('config', `The gateway has no such endpoint (${detail})`, { suggestion: 'Update mpg to the gateway\'s version, or point --base-url at a matching gateway.', detail: error.body, cause: error })
    }
    return error
  }
  if (error instanceof MpgError) {
    if (error.kind === 'auth' && error.message === 'No API key.') return new MpgError('auth', 'No API key is set', { suggestion: API_KEY_HINT })
    if (error.kind === 'auth' && error.message === 'No admin token.') return new MpgError('auth', 'No admin token is set', { suggestion: ADMIN_TOKEN_HINT })
    return error
  }
  if (error.code && FILE_ERRORS.has(error.code)) {
    return new MpgError('config', error.message, {
      suggestion: `Check that ${error.path ?? 'the path'} exists and is writable (settings: MPG_CONFIG_DIR, MPG_DATA_DIR, --data-dir).`,
    })
  }
  return new MpgError('internal', error.message || String(error), {
    suggestion: 'This is unexpected: run again with --log-level debug (or MPG_DEBUG=1) and report the output.',
  })
}
