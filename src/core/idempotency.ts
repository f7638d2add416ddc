import { hash } from 'node:crypto'
import type { IdempotencyRecord } from '../store/records.js'
import { DomainError } from './errors.js'

/** The stored answer of an earlier request with the same Idempotency-Key, given again. */
export interface Replay {
  replayed: true
  /** What the first request was answered with (null when not recorded). */
  statusCode: number | null
  response: unknown
}

/** Canonical JSON (sorted keys) so that key order does not make two equal bodies differ. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    // Keys in UTF-16 code-unit order (the default sort's), fields that are undefined left out.
    const keys = sortedKeys(record)
    // A flat object (a push's body): JSON.stringify writes the listed keys in the list's order, the
    // same text in one string instead of one per key and value.
    if (flat(record, keys)) return JSON.stringify(record, keys as string[])
    let text = '{'
    for (const key of keys) {
      const part = record[key]
      if (part === undefined) continue
      text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(part)}`
    }
    return `${text}}`
  }
  return JSON.stringify(value)
}

/**
 * The last object's keys and their sorted copy: a push's body comes out of its schema with the same
 * keys in the same order every time, so they are sorted once, not on every request.
 */
let lastKeys: string[] = []
let lastSorted: readonly string[] = []

function sortedKeys(record: Record<string, unknown>): readonly string[] {
  const keys = Object.keys(record)
  if (sameKeys(keys, lastKeys)) return lastSorted
  lastKeys = keys
  lastSorted = [...keys].sort()
  return lastSorted
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function flat(record: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const key of keys) {
    const part = record[key]
    if (part !== null && part !== undefined && typeof part !== 'string' && typeof part !== 'number' && typeof part !== 'boolean') return false
  }
  return true
}

export function fingerprint(body: unknown): string {
  return hash('sha256', canonicalJson(body), 'hex')
}

/** A finished request's key past its life (MPG_IDEMPOTENCY_KEY_TTL_H): the key may be used again. */
export function isExpired(record: IdempotencyRecord, ttlMs: number, now: number): boolean {
  return record.state === 'done' && now - Date.parse(record.created_at) > ttlMs
}

/** A fresh in-flight claim for a request about to create `transactionId`. */
export function newClaim(scope: string, print: string, transactionId: string, createdAt: string): IdempotencyRecord {
  return { scope, fingerprint: print, state: 'in_flight', status_code: null, response: null, transaction_id: transactionId, created_at: createdAt }
}

/**
 * What an Idempotency-Key already in use means (product.md §2.3): another body → 422; the first
 * request still running → 409; otherwise the first answer again.
 */
export function replayOf(existing: IdempotencyRecord, print: string): Replay {
  if (existing.fingerprint !== print) {
    throw new DomainError('mismatch', 'Idempotency-Key reused with a different body', 'Use a new Idempotency-Key for a different request, or resend the original body.', 'the key was first used with another request body')
  }
  if (existing.state === 'in_flight') {
    throw new DomainError('conflict', 'Request with this Idempotency-Key is in progress', 'Wait for the first request to finish, then retry to get its answer.', 'the first request has not finished yet', 1)
  }
  return { replayed: true, statusCode: existing.status_code, response: existing.response }
}
