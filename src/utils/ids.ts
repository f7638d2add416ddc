import { randomFillSync } from 'node:crypto'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Random bytes drawn 4 KiB at a time: one getrandom call serves many ids. */
const pool = Buffer.alloc(4096)
let poolOffset = pool.length

function randomByte(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  return pool[poolOffset++]
}

/** Uniform random base62 (rejection sampling, so no character is favoured). */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    const byte = randomByte()
    if (byte < 248) out += BASE62[byte % 62]
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
