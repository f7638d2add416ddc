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

const BASE62_CODES = Buffer.from(BASE62, 'latin1')
/** Ids are written here a byte at a time and read out once (no string grown a character at a time). */
const scratch = Buffer.alloc(64)

/** Uniform random base62 (rejection sampling, so no character is favoured). */
export function randomBase62(length: number): string {
  const out = length <= scratch.length ? scratch : Buffer.alloc(length)
  for (let n = 0; n < length; ) {
    const byte = randomByte()
    if (byte < 248) out[n++] = BASE62_CODES[byte % 62]
  }
  return out.toString('latin1', 0, length)
}

/** Opaque prefixed ids: `acct_…`, `key_…`, `txn_…`, `evt_…`, `we_…`, `del_…`. */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_${randomBase62(length)}`
}

/** Unguessable tokens for callback URLs (~190 bits). */
export function newSecretToken(length = 32): string {
  return randomBase62(length)
}
