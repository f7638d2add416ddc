import { randomBytes } from 'node:crypto'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Uniform random base62 (rejection sampling, so no character is favoured). */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62]
    }
  }
  return out
}

/** Opaque prefixed ids: `acct_…`, `key_…`, `txn_…`, `evt_…`, `we_…`, `del_…`. */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_${randomBase62(length)}`
}

/** Unguessable tokens for callback URLs (~190 bits). */
export function newSecretToken(length = 32): string {
  return randomBase62(length)
}
