import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { removeDir } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import { tempConfigDir } from './cli-env.js'

let configDir: string
beforeEach(() => {
  configDir = tempConfigDir()
})
afterEach(() => removeDir(configDir))

const KEY = 'mpg_test_AbCdEfGhIjKlMnOpQrStUvWxYz012345'
const env = (extra: NodeJS.ProcessEnv = {}) => ({ MPG_CONFIG_DIR: configDir, MPG_DATA_DIR: configDir, MPG_BASE_URL: '', MPG_API_KEY: '', MPG_ADMIN_TOKEN: '', MPG_PROFILE: '', ...extra })
const mpg = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: env(extra) })

describe('mpg config', () => {
  it('set saves a profile (file 0600) and show reports each setting with its source, secrets masked', async () => {
    const saved = await mpg(['config', 'set', '--base-url', 'http://127.0.0.1:9999', '--api-key', KEY, '--json'])
    expect(saved.exitCode, saved.stderr).toBe(0)
    expect(JSON.parse(saved.stdout)).toMatchObject({ profile: 'default', changed: ['base_url', 'api_key'] })
    const file = join(configDir, 'config.json')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ profiles: { default: { base_url: 'http://127.0.0.1:9999', api_key: KEY } } })
    expect(statSync(file).mode & 0o777).toBe(0o600)

    const shown = await mpg(['config', 'show', '--json'])
    expect(shown.exitCode).toBe(0)
    expect(shown.stdout).not.toContain(KEY)
    const doc = JSON.parse(shown.stdout)
    expect(doc.settings.base_url).toEqual({ value: 'http://127.0.0.1:9999', source: 'profile' })
    expect(doc.settings.api_key.source).toBe('profile')
    expect(doc.settings.api_key.value).toMatch(/^mpg_test_Ab…2345$/)
    expect(doc.settings.admin_token).toEqual({ value: null, source: 'unset' })
    expect(doc.settings.data_dir.source).toBe('env')
    expect(doc.config_file).toBe(file)
  })

  it('flags beat the environment, which beats the profile, which beats the default', async () => {
    await mpg(['config', 'set', '--base-url', 'http://profile.example:1'])
    const fromProfile = JSON.parse((await mpg(['config', 'show', '--json'])).stdout)
    expect(fromProfile.settings.base_url).toEqual({ value: 'http://profile.example:1', source: 'profile' })
    const fromEnv = JSON.parse((await mpg(['config', 'show', '--json'], { MPG_BASE_URL: 'http://env.example:2' })).stdout)
    expect(fromEnv.settings.base_url).toEqual({ value: 'http://env.example:2', source: 'env' })
    const fromFlag = JSON.parse((await mpg(['config', 'show', '--base-url', 'http://flag.example:3', '--json'], { MPG_BASE_URL: 'http://env.example:2' })).stdout)
    expect(fromFlag.settings.base_url).toEqual({ value: 'http://flag.example:3', source: 'flag' })
    removeDir(join(configDir, 'config.json'))
    const fallback = JSON.parse((await mpg(['config', 'show', '--json'])).stdout)
    expect(fallback.settings.base_url).toEqual({ value: 'http://127.0.0.1:8787', source: 'default' })
  })

  it('--profile selects a named profile, and a missing one is a config error (exit 3)', async () => {
    await mpg(['config', 'set', '--profile', 'staging', '--base-url', 'https://pay.example.com'])
    const staging = JSON.parse((await mpg(['config', 'show', '--profile', 'staging', '--json'])).stdout)
    expect(staging).toMatchObject({ profile: 'staging', profiles: ['staging'] })
    expect(staging.settings.base_url.value).toBe('https://pay.example.com')
    const missing = await mpg(['config', 'show', '--profile', 'nope'])
    expect(missing.exitCode).toBe(3)
    expect(missing.stderr).toContain('mpg config set --profile nope')
  })

  it('refuses bad values and an empty set (exit 2), leaving the file alone', async () => {
    expect((await mpg(['config', 'set', '--base-url', 'ftp://x'])).exitCode).toBe(2)
    expect((await mpg(['config', 'set', '--api-key', 'sk_live_123'])).exitCode).toBe(2)
    const empty = await mpg(['config', 'set'])
    expect(empty.exitCode).toBe(2)
    expect(empty.stderr).toContain('--base-url')
    expect(() => statSync(join(configDir, 'config.json'))).toThrow()
  })
})
