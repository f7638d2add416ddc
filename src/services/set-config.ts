import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import { configFilePath, configFileSchema, readConfigFile, type ConfigFile, type Profile } from '../cli/settings.js'
import { MpgError } from '../errors.js'
import { maskSecret } from './show-config.js'

export interface SetConfigInput {
  profile: string
  base_url?: string
  api_key?: string
  admin_token?: string
  data_dir?: string
}

const checks: Record<keyof Profile, { flag: string; schema: z.ZodType<string> }> = {
  base_url: { flag: '--base-url', schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8787' }) },
  api_key: { flag: '--api-key', schema: z.string().regex(/^mpg_(test|live)_[A-Za-z0-9]+$/, 'must look like mpg_test_… or mpg_live_…') },
  admin_token: { flag: '--admin-token', schema: z.string().trim().min(1, 'must not be empty') },
  data_dir: { flag: '--data-dir', schema: z.string().trim().min(1, 'must not be empty') },
}

/**
 * `mpg config set`: merges the given settings into one profile of the config file. The file holds
 * secrets, so it is written 0600 (directory 0700), through a temp file and a rename.
 */
export function setConfigService(input: SetConfigInput, env: NodeJS.ProcessEnv = process.env) {
  const file = configFilePath(env)
  const changes: Profile = {}
  for (const key of Object.keys(checks) as Array<keyof Profile>) {
    const raw = input[key]
    if (raw === undefined) continue
    const parsed = checks[key].schema.safeParse(raw)
    if (!parsed.success) {
      throw new MpgError('usage', `${checks[key].flag} ${parsed.error.issues[0].message}.`, { suggestion: `Correct ${checks[key].flag} and run \`mpg config set\` again.` })
    }
    changes[key] = parsed.data
  }
  if (Object.keys(changes).length === 0) {
    throw new MpgError('usage', 'Nothing to save.', { suggestion: 'Pass at least one of --base-url, --api-key, --admin-token, --data-dir.' })
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(input.profile)) {
    throw new MpgError('usage', `The profile name "${input.profile}" is not allowed.`, { suggestion: 'Use letters, digits, dot, dash or underscore.' })
  }
  const current = readConfigFile(env)
  const next = configFileSchema.parse({ ...current, profiles: { ...current.profiles, [input.profile]: { ...current.profiles[input.profile], ...changes } } })
  writeConfigFile(file, next)
  return { profile: input.profile, config_file: file, changed: Object.keys(changes), settings: shownProfile(next.profiles[input.profile]) }
}

/** The config file holds secrets: 0600 in a 0700 directory, written through a temp file and a rename. */
function writeConfigFile(file: string, next: ConfigFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 })
  renameSync(tmp, file)
}

function shownProfile(saved: Profile | undefined) {
  return {
    base_url: saved?.base_url ?? null,
    api_key: saved?.api_key ? maskSecret(saved.api_key) : null,
    admin_token: saved?.admin_token ? maskSecret(saved.admin_token) : null,
    data_dir: saved?.data_dir ?? null,
  }
}

/** The settings `mpg config unset` takes, by their flag names. */
export const SETTING_NAMES = { 'base-url': 'base_url', 'api-key': 'api_key', 'admin-token': 'admin_token', 'data-dir': 'data_dir' } as const
export type SettingName = keyof typeof SETTING_NAMES

/**
 * `mpg config unset` and `mpg logout`: removes settings from one profile (the profile goes when
 * nothing is left in it). Removing what is not set is not an error: the result says what changed.
 */
export function unsetConfigService(input: { profile: string; names: SettingName[] }, env: NodeJS.ProcessEnv = process.env) {
  const file = configFilePath(env)
  const current = readConfigFile(env)
  const profile: Profile = { ...current.profiles[input.profile] }
  const removed: SettingName[] = []
  for (const name of input.names) {
    const key = SETTING_NAMES[name]
    if (profile[key] !== undefined) {
      delete profile[key]
      removed.push(name)
    }
  }
  if (removed.length > 0) {
    const profiles = { ...current.profiles, [input.profile]: profile }
    if (Object.keys(profile).length === 0) delete profiles[input.profile]
    writeConfigFile(file, { ...current, profiles })
  }
  return { profile: input.profile, config_file: file, removed, settings: shownProfile(current.profiles[input.profile] && profile) }
}
