import { configFilePath, readConfigFile, resolveSettings, type ResolvedSetting, type SettingsInput } from '../cli/settings.js'
import { listenSecretPath } from './listen-secret.js'

export interface ShownSetting {
  /** The value, with secrets masked; null when unset. */
  value: string | null
  source: ResolvedSetting<string>['source'] | 'unset'
}

export interface ShownConfig {
  profile: string
  config_file: string
  profiles: string[]
  settings: { base_url: ShownSetting; api_key: ShownSetting; admin_token: ShownSetting; data_dir: ShownSetting }
  listen_secret_file: string
}

/** Keeps enough of a secret to recognise it: `mpg_test_ab…wxyz`. */
export function maskSecret(secret: string): string {
  const prefix = /^(mpg_(?:test|live)_|whsec_)/.exec(secret)?.[1] ?? ''
  const rest = secret.slice(prefix.length)
  if (rest.length <= 8) return `${prefix}${'*'.repeat(Math.min(rest.length, 4))}`
  return `${prefix}${rest.slice(0, 2)}…${rest.slice(-4)}`
}

/** `mpg config show`: every setting a command would use, where it came from, secrets masked. */
export function showConfigService(flags: SettingsInput['flags'], env: NodeJS.ProcessEnv = process.env): ShownConfig {
  const settings = resolveSettings({ flags, env })
  const shown = (s: ResolvedSetting<string> | undefined, secret: boolean): ShownSetting =>
    s ? { value: secret ? maskSecret(s.value) : s.value, source: s.source } : { value: null, source: 'unset' }
  return {
    profile: settings.profile,
    config_file: configFilePath(env),
    profiles: Object.keys(readConfigFile(env).profiles),
    settings: {
      base_url: shown(settings.baseUrl, false),
      api_key: shown(settings.apiKey, true),
      admin_token: shown(settings.adminToken, true),
      data_dir: shown(settings.dataDir, false),
    },
    listen_secret_file: listenSecretPath(env),
  }
}
