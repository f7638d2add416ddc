import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/run-cli.js'
import { tempDir } from '../helpers/temp-dir.js'

const fileInTheWay = () => {
  const dir = tempDir('mpg-err-')
  const file = join(dir, 'not-a-dir')
  writeFileSync(file, '')
  return join(file, 'config')
}

describe('errors nobody anticipated still read as one line with a next step', () => {
  it('a config dir that cannot be created: exit 3 (CONFIG), the path named, no stack trace', async () => {
    const r = await runCli(['config', 'set', '--base-url', 'http://127.0.0.1:1'], { env: { MPG_CONFIG_DIR: fileInTheWay() } })
    expect(r.exitCode).toBe(3)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^Error: ENOTDIR.* Check that .*not-a-dir\/config exists and is writable/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('the same with --json: one JSON document on stdout with the kind, message and suggestion', async () => {
    const r = await runCli(['config', 'set', '--base-url', 'http://127.0.0.1:1', '--json'], { env: { MPG_CONFIG_DIR: fileInTheWay() } })
    expect(r.exitCode).toBe(3)
    expect(JSON.parse(r.stdout)).toEqual({
      error: { kind: 'config', message: expect.stringContaining('ENOTDIR'), suggestion: expect.stringContaining('exists and is writable'), exit_code: 3 },
    })
  })

  it('an API key with a control character is a settings error, not "the gateway is down"', async () => {
    const r = await runCli(['transactions', 'list'], { env: { MPG_API_KEY: 'mpg_test_a\u0001b', MPG_BASE_URL: 'http://127.0.0.1:9' } })
    expect(r.exitCode).toBe(3)
    expect(r.stderr).toMatch(/MPG_API_KEY must be printable characters/)
  })
})
