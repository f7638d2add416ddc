import { hash, timingSafeEqual } from 'node:crypto'
import type { ApiKeyRecord, Mode } from '../store/records.js'
import type { Store } from '../store/store.js'
import { newId, randomBase62 } from '../utils/ids.js'

export const API_KEY_PATTERN = /^mpg_(test|live)_[0-9A-Za-z]{32}$/

/** SHA-256 in hex: one call, no Hash object (a key is hashed on every authenticated request). */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex')
}

export interface CreatedApiKey {
  record: ApiKeyRecord
  /** The full key: returned once, never stored. */
  key: string
}

export async function createApiKey(store: Store, input: { accountId: string; mode: Mode; name?: string | null }): Promise<CreatedApiKey> {
  const key = `mpg_${input.mode}_${randomBase62(32)}`
  const record: ApiKeyRecord = {
    id: newId('key'),
    account_id: input.accountId,
    mode: input.mode,
    name: input.name ?? null,
    prefix: `${key.slice(0, `mpg_${input.mode}_`.length + 4)}…`,
    hash: hashApiKey(key),
    created_at: new Date().toISOString(),
    last_used_at: null,
    revoked_at: null,
  }
  await store.createApiKey(record)
  return { record, key }
}

/** What a key listing shows: never the hash. */
export function apiKeyView(k: ApiKeyRecord) {
  return {
    id: k.id,
    account_id: k.account_id,
    mode: k.mode,
    name: k.name,
    prefix: k.prefix,
    created_at: k.created_at,
    last_used_at: k.last_used_at,
    revoked_at: k.revoked_at,
    status: k.revoked_at ? 'revoked' : 'active',
  }
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'))
}
