import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MpgError } from '../errors.js'
import { randomBase62 } from '../utils/ids.js'

const ADMIN_TOKEN = /^[\x21-\x7e]{16,}$/

/** MPG_ADMIN_TOKEN, or the token in `<data-dir>/admin-token`, generated (mode 0600) on first start. */
export function resolveAdminToken(dataDir: string, configured: string | undefined): { token: string; generated: boolean } {
  if (configured) return { token: configured, generated: false }
  const file = join(dataDir, 'admin-token')
  let text: string | undefined
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    // First start: no token yet.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text !== undefined) {
    const existing = text.trim()
    // A damaged file is refused, never replaced: admin clients hold the token it had.
    if (!ADMIN_TOKEN.test(existing)) {
      throw new MpgError('config', `${file} does not hold an admin token (one line of at least 16 printable characters, no spaces).`, {
        suggestion: `Restore it from a backup, or delete it to have a new one generated at the next start (admin clients then need the new token), or set MPG_ADMIN_TOKEN.`,
      })
    }
    return { token: existing, generated: false }
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const token = `mpg_admin_${randomBase62(40)}`
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { token, generated: true }
}
