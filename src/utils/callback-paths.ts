/**
 * Where Daraja calls the gateway back. The last segment is a secret token (the callback's only
 * credential), so the URLs Daraja is given, the routes that answer them and the access-log masker
 * are all derived from this one table.
 */
export const CALLBACK_PREFIXES = {
  stk: '/api/v1/callbacks/daraja/stk',
  b2c: '/api/v1/callbacks/daraja/b2c',
} as const

export type CallbackKind = keyof typeof CALLBACK_PREFIXES

/** Daraja's B2C queue-timeout notice goes to the result URL plus this. */
export const QUEUE_TIMEOUT_SUFFIX = '/timeout'

/** The answer to a payout's Transaction Status query goes to its B2C result URL plus this (same token). */
export const TRANSACTION_STATUS_SUFFIX = '/status'

/** The answer to a reconcile run's Transaction Status query (`mpg reconcile`): recorded for the run, settles nothing by itself. */
export const RECONCILE_STATUS_SUFFIX = '/reconcile'

/** The URL Daraja is given for one transaction's callback. */
export function callbackUrl(base: string, kind: CallbackKind, token: string): string {
  return `${base}${CALLBACK_PREFIXES[kind]}/${token}`
}

export const stkCallbackUrl = (base: string, token: string): string => callbackUrl(base, 'stk', token)
export const b2cResultUrl = (base: string, token: string): string => callbackUrl(base, 'b2c', token)

/** The route pattern (h3 syntax) that answers `callbackUrl(…, kind, …)` (plus `suffix`). */
export function callbackRoutePath(kind: CallbackKind, suffix = ''): string {
  return `${CALLBACK_PREFIXES[kind]}/:token${suffix}`
}

const TOKEN_IN_PATH = new RegExp(
  `(${Object.values(CALLBACK_PREFIXES)
    .map((prefix) => prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')})/[^/?#]+`,
)

/** The path (or URL) with its callback token replaced by `***`: whoever holds the token can settle the payment or payout. */
export function maskCallbackToken(pathOrUrl: string): string {
  return pathOrUrl.replace(TOKEN_IN_PATH, '$1/***')
}
