/**
 * Secrets at rest (webhook endpoint secrets): AES-256-GCM with a key kept in `<data-dir>/seal-key`
 * (mode 0600, generated on first use). A sealed value is `v1.<iv>.<tag>.<ciphertext>` (base64url);
 * the associated data (the endpoint id) binds it to its record, so it cannot be moved to another.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const VERSION = 'v1'
/** Keys read, by file: the same data dir always has the same key. */
const keys = new Map<string, Buffer>()

/** The configured MPG_SEAL_KEY (shared by every instance on one database), else the data dir's key. */
export function sealKeyFor(config: { dataDir: string; sealKey: string | undefined }): Buffer {
  return config.sealKey ? Buffer.from(config.sealKey, 'base64') : sealKey(config.dataDir)
}

/** The data dir's seal key, created (0600) when missing. */
export function sealKey(dataDir: string): Buffer {
  const file = join(resolve(dataDir), 'seal-key')
  const cached = keys.get(file)
  if (cached) return cached
  let key: Buffer | undefined
  try {
    key = decodeKey(file, readFileSync(file, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (!key) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const fresh = randomBytes(32)
    try {
      // `wx`: when two processes race, one creates the file and the other reads it.
      writeFileSync(file, `${fresh.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
      chmodSync(file, 0o600)
      key = fresh
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      key = decodeKey(file, readFileSync(file, 'utf8'))
    }
  }
  keys.set(file, key)
  return key
}

/** Writes `key` (base64) as the data dir's seal key unless it has one (mpg db export, for a lowdb gateway). */
export function writeSealKeyIfMissing(dataDir: string, key: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  try {
    writeFileSync(join(resolve(dataDir), 'seal-key'), `${Buffer.from(key, 'base64').toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
}

/** The file holds the base64 of 32 bytes and nothing else; anything else is refused, never replaced. */
function decodeKey(file: string, text: string): Buffer {
  const encoded = text.trim()
  const key = Buffer.from(encoded, 'base64')
  if (!/^[A-Za-z0-9+/]{43}=$/.test(encoded) || key.length !== 32) {
    throw new Error(`${file} does not hold a seal key (the base64 of 32 bytes); restore it from a backup (sealed secrets need the original key)`)
  }
  return key
}

export function seal(key: Buffer, plaintext: string, associatedData: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(associatedData, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.')
}

/** Throws when the value was sealed with another key, for another record, or altered. */
export function unseal(key: Buffer, sealed: string, associatedData: string): string {
  const [version, iv, tag, ciphertext] = sealed.split('.')
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed value')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAAD(Buffer.from(associatedData, 'utf8'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
  } catch {
    throw new Error('cannot unseal: wrong seal-key or altered value')
  }
}
