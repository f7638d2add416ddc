import { hash } from 'node:crypto'
import type { TransactionRecord } from './records.js'

/**
 * Callback tokens (the secret last segment of Daraja's callback URLs) are kept only as SHA-256
 * hashes, like API keys: whoever reads the store files cannot forge a "paid" callback. The
 * `sha256:` prefix tells a hash from a token written before hashing (migrated at open).
 */
const PREFIX = 'sha256:'

/** What a token from a callback URL is looked up by. */
export function callbackTokenHash(token: string): string {
  // The one-shot hash: no Hash object per call (each payment hashes two or three tokens).
  return `${PREFIX}${hash('sha256', token, 'hex')}`
}

const stored = (value: string) => (value.startsWith(PREFIX) ? value : callbackTokenHash(value))

/** Replaces the transaction's clear callback tokens (STK and B2C) by their hashes; true when one changed. */
export function hashCallbackTokens(t: TransactionRecord): boolean {
  let changed = false
  if (!t.callback_token.startsWith(PREFIX)) {
    t.callback_token = stored(t.callback_token)
    changed = true
  }
  if (t.payout?.callback_token && !t.payout.callback_token.startsWith(PREFIX)) {
    t.payout = { ...t.payout, callback_token: stored(t.payout.callback_token) }
    changed = true
  }
  return changed
}
