import type { Emulator } from './emulator.js'

/** RSA-2048 and RSA-4096 ciphertexts: what Safaricom's certificates (and their successors) produce. */
const RSA_BLOCK_BYTES = new Set([256, 512])

/**
 * The initiator check of the "org" APIs (B2C, Account Balance, Reversal). Real clients encrypt the
 * initiator password with Safaricom's public certificate, which only Safaricom can decrypt; so any
 * base64 RSA-sized block is taken as a correct credential, and so is the emulator's printed plain
 * one. Anything else, or another initiator name, is the `2001` a wrong password gets.
 */
export function initiatorAccepted(em: Emulator, initiatorName: string, securityCredential: string): boolean {
  if (initiatorName !== em.config.initiatorName) return false
  if (securityCredential === em.config.securityCredential) return true
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(securityCredential) || securityCredential.length % 4 !== 0) return false
  return RSA_BLOCK_BYTES.has(Buffer.from(securityCredential, 'base64').length)
}
