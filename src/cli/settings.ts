import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { MpgError } from '../errors.js'

/** Where each resolved setting came from, for `mpg config` and for error messages. */
export type SettingSource = 'flag' | 'env' | 'profile' | 'data-dir' | 'default'

export interface ResolvedSetting<T> {
  value: T
  source: SettingSource
}

const profileSchema = z
  .object({
    base_url: z.string().optional(),
    api_key: z.string().optional(),
    admin_token: z.string().optional(),
    data_dir: z.string().optional(),
  })
  .strict()

export const configFileSchema = z.object({ profiles: z.record(z.string(), profileSchema).default({}) }).strict()
export type ConfigFile = z.infer<typeof configFileSchema>
export type Profile = z.infer<typeof profileSchema>

const urlSetting = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8787' })
const pathSetting = z.string().trim().min(1, 'must not be empty')
const tokenSetting = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces (check for a stray newline or control character)')

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8787'
export const DEFAULT_DATA_DIR = '.mpg'

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MPG_CONFIG_DIR) return env.MPG_CONFIG_DIR
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'mpesa-gateway')
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'config.json')
}

export function readConfigFile(env: NodeJS.ProcessEnv = process.env): ConfigFile {
  const file = configFilePath(env)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return { profiles: {} }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new MpgError('config', `The config file ${file} is not valid JSON.`, {
      suggestion: `Fix or delete ${file}, then run \`mpg config set\` again.`,
    })
  }
  const parsed = configFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new MpgError('config', `The config file ${file} has a bad setting at ${issue.path.join('.') || '(root)'}: ${issue.message}.`, {
      suggestion: `Fix or delete ${file}.`,
    })
  }
  return parsed.data
}

export interface SettingsInput {
  flags: { 'base-url'?: string; 'api-key'?: string; 'admin-token'?: string; 'data-dir'?: string; profile?: string }
  env?: NodeJS.ProcessEnv
}

export interface ClientSettings {
  profile: string
  baseUrl: ResolvedSetting<string>
  apiKey?: ResolvedSetting<string>
  adminToken?: ResolvedSetting<string>
  dataDir: ResolvedSetting<string>
}

/**
 * Resolves the settings a client command needs, once: flags > environment > profile > default.
 * The admin token falls back to `<data-dir>/admin-token`, written by `mpg serve`.
 */
export function resolveSettings({ flags, env = process.env }: SettingsInput): ClientSettings {
  const profileName = flags.profile || env.MPG_PROFILE || 'default'
  const file = readConfigFile(env)
  const profile: Profile = file.profiles[profileName] ?? {}
  if (flags.profile && !file.profiles[profileName]) {
    throw new MpgError('config', `There is no profile named "${profileName}" in ${configFilePath(env)}.`, {
      suggestion: `Create it with \`mpg config set --profile ${profileName} --base-url <url>\`, or drop --profile.`,
    })
  }

  const pick = <T>(name: string, flagValue: string | undefined, envName: string, profileValue: string | undefined, schema: z.ZodType<T>) => {
    const candidates: Array<[string | undefined, SettingSource, string]> = [
      [flagValue, 'flag', `--${name}`],
      [env[envName], 'env', envName],
      [profileValue, 'profile', `profile "${profileName}" ${name.replace('-', '_')}`],
    ]
    for (const [raw, source, label] of candidates) {
      if (raw === undefined || raw === '') continue
      const parsed = schema.safeParse(raw)
      if (!parsed.success) {
        throw new MpgError('config', `The setting ${label} ${parsed.error.issues[0].message}.`, {
          suggestion: `Correct ${label} and try again.`,
        })
      }
      return { value: parsed.data, source } as ResolvedSetting<T>
    }
    return undefined
  }

  const baseUrl = pick('base-url', flags['base-url'], 'MPG_BASE_URL', profile.base_url, urlSetting) ?? {
    value: DEFAULT_BASE_URL,
    source: 'default' as const,
  }
  const dataDir = pick('data-dir', flags['data-dir'], 'MPG_DATA_DIR', profile.data_dir, pathSetting) ?? {
    value: DEFAULT_DATA_DIR,
    source: 'default' as const,
  }
  const apiKey = pick('api-key', flags['api-key'], 'MPG_API_KEY', profile.api_key, tokenSetting)
  let adminToken = pick('admin-token', flags['admin-token'], 'MPG_ADMIN_TOKEN', profile.admin_token, tokenSetting)
  if (!adminToken) {
    try {
      const token = readFileSync(join(dataDir.value, 'admin-token'), 'utf8').trim()
      if (token) adminToken = { value: token, source: 'data-dir' }
    } catch {
      // No local gateway data dir: admin commands will say how to provide the token.
    }
  }
  return { profile: profileName, baseUrl: baseUrl as ResolvedSetting<string>, apiKey, adminToken, dataDir }
}
