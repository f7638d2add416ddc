import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/run-cli.js'

const run = promisify(execFile)
let copy: string | undefined
afterEach(() => {
  if (copy) rmSync(copy, { recursive: true, force: true })
  copy = undefined
})

/** A copy of the sources (node_modules linked), so the test adds its command there and never to src/. */
function copyOfSources(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-dev-mode-'))
  for (const entry of ['bin', 'src', 'emulator', 'package.json', 'tsconfig.json']) cpSync(join(repoRoot, entry), join(dir, entry), { recursive: true })
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
  return dir
}

describe('bin/dev.js', () => {
  it('runs the TypeScript sources: a command added to src/ shows up without a rebuild', async () => {
    copy = copyOfSources()
    writeFileSync(
      join(copy, 'src/commands/zz-dev-probe.ts'),
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
    const { stdout } = await run(process.execPath, [join(copy, 'bin/dev.js'), 'zz-dev-probe', '--json'], { cwd: copy, env })
    expect(JSON.parse(stdout)).toEqual({ probe: 'from src' })
    const help = await run(process.execPath, [join(copy, 'bin/dev.js'), '--help'], { cwd: copy, env })
    expect(help.stdout).toContain('A probe that exists only in the sources.')
  })
})
