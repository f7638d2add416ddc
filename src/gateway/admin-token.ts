import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBase62 } from '../utils/ids.js'

/** MPG_ADMIN_TOKEN, or the token in `<data-dir>/admin-token`, generated (mode 0600) on first start. */
export function resolveAdminToken(dataDir: string, configured: string | undefined): { token: string; generated: boolean } {
  if (configured) return { token: configured, generated: false }
  const file = join(dataDir, 'admin-token')
  try {
    const existing = readFileSync(file, 'utf8').trim()
    if (existing) return { token: existing, generated: false }
  } catch {
    // First start: no token yet.
  }
  mkdirSync(dataDir, { recursive: true })
  const token = `mpg_admin_${randomBase62(40)}`
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  chmodSync(file, 0o600)
  return { token, generated: true }
}
