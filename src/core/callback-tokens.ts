import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { sealKeyFor } from '../webhooks/seal.js'
import type { GatewayContext } from './context.js'

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/**
 * The seal key of each gateway's settings, decoded and imported once (a payment derives its token
 * two or three times): an HMAC keyed with a KeyObject skips copying the key in each time.
 */
const keys = new WeakMap<object, KeyObject>()

/**
 * The token in a payout's B2C ResultURL: 32 base62 characters like every callback token, but
 * derived from the seal key (MPG_SEAL_KEY, shared by every instance, or the data dir's) and the transaction instead of stored. The store keeps
 * only its hash (a file reader cannot forge a result), and every re-send (a retry, a restart)
 * rebuilds the same URL, so Daraja's result for any attempt finds the payout.
 */
export function b2cResultToken(ctx: GatewayContext, transactionId: string): string {
  let key = keys.get(ctx.config)
  if (!key) keys.set(ctx.config, (key = createSecretKey(sealKeyFor(ctx.config))))
  let out = ''
  for (let round = 0; out.length < 32; round++) {
    const bytes = createHmac('sha256', key).update(`b2c-result:${round}:${transactionId}`).digest()
    // Bytes ≥ 248 are skipped so that every character is equally likely (as randomBase62 does).
    for (const byte of bytes) if (byte < 248 && out.length < 32) out += BASE62[byte % 62]
  }
  return out
}
