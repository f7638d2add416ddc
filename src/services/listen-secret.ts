import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configDir } from '../cli/settings.js'
import { generateWebhookSecret } from '../webhooks/signature.js'

export function listenSecretPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'listen-secret')
}

/**
 * The secret `mpg listen` signs with: `--secret` when given, otherwise one generated on first use
 * and kept in the config dir (0600), so a local receiver configured once keeps verifying.
 */
export function resolveListenSecret(given: string | undefined, env: NodeJS.ProcessEnv = process.env): { secret: string; source: 'flag' | 'config-dir' | 'generated'; file?: string } {
  if (given !== undefined && given !== '') return { secret: given, source: 'flag' }
  const file = listenSecretPath(env)
  try {
    const stored = readFileSync(file, 'utf8').trim()
    if (stored) return { secret: stored, source: 'config-dir', file }
  } catch {
    // First use: generate below.
  }
  const secret = generateWebhookSecret()
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 })
  writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return { secret, source: 'generated', file }
}
