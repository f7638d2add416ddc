import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot, runCli } from '../helpers/run-cli.js'

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))

/** Builds the manifest the way `oclif manifest` does, from the compiled commands, without writing it. */
function freshManifest(): string {
  const script = `
    import { Plugin } from '@oclif/core'
    const plugin = new Plugin({ root: process.cwd(), type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true })
    await plugin.load()
    process.stdout.write(JSON.stringify(plugin.manifest, null, 2))
  `
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  })
}

describe('mpg skeleton', () => {
  it('prints the package version', async () => {
    const result = await runCli(['--version'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain(`mpesa-gateway/${pkg.version}`)
  })

  it('prints help with the topics', async () => {
    const result = await runCli(['--help'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('USAGE')
    expect(result.stdout).toContain('$ mpg [COMMAND]')
  })

  it('answers an unknown command with exit 2 (USAGE) and the closest command', async () => {
    const result = await runCli(['stk-psh'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toBe('Error: Command "stk-psh" not found. Did you mean `mpg stk-push`? Run `mpg --help` for every command.\n')
    const json = await runCli(['no-such-command', '--json'])
    expect(json.exitCode).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { kind: 'usage', message: 'Command "no-such-command" not found.', exit_code: 2 } })
    const topic = await runCli(['keys', 'creat'])
    expect(topic.stderr).toMatch(/Did you mean `mpg keys create`/)
  })

  it('keeps the committed manifest equal to a freshly generated one', () => {
    const fresh = JSON.parse(freshManifest())
    const onDisk = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8'))
    expect(onDisk).toEqual(fresh)
    // In CI the build has just rewritten the file, so compare with what was committed too.
    if (process.env.CI) {
      const committed = JSON.parse(execFileSync('git', ['show', 'HEAD:oclif.manifest.json'], { cwd: repoRoot, encoding: 'utf8' }))
      expect(committed, 'oclif.manifest.json is stale: run `npm run build` and commit it').toEqual(fresh)
    }
  })
})
