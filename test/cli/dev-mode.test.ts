import { execFile } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/run-cli.js'

const run = promisify(execFile)
const probe = join(repoRoot, 'src/commands/zz-dev-probe.ts')

afterEach(() => rmSync(probe, { force: true }))

describe('bin/dev.js', () => {
  it('runs the TypeScript sources: a command added to src/ shows up without a rebuild', async () => {
    writeFileSync(
      probe,
      `import { BaseCommand } from '../cli/base-command.js'
export default class Probe extends BaseCommand<typeof Probe> {
  static summary = 'A probe that exists only in the sources.'
  async run() {
    return { probe: 'from src' }
  }
}
`,
    )
    const env = { ...process.env, CI: 'true', NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true' }
    const { stdout } = await run(process.execPath, [join(repoRoot, 'bin/dev.js'), 'zz-dev-probe', '--json'], { cwd: repoRoot, env })
    expect(JSON.parse(stdout)).toEqual({ probe: 'from src' })
    const help = await run(process.execPath, [join(repoRoot, 'bin/dev.js'), '--help'], { cwd: repoRoot, env })
    expect(help.stdout).toContain('A probe that exists only in the sources.')
  })
})
