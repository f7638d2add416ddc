import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { repoRoot, runCli } from '../helpers/run-cli.js'

const run = promisify(execFile)

/** The part of a README between `<!-- commands -->` and `<!-- commandsstop -->`. */
function commandsSection(text: string): string {
  // As lines: oclif's dry run also logs "replacing <!-- commands --> in …".
  const start = text.indexOf('\n<!-- commands -->\n')
  const end = text.indexOf('\n<!-- commandsstop -->')
  if (start < 0 || end < start) throw new Error('no <!-- commands --> … <!-- commandsstop --> section')
  return text.slice(start, end).trimEnd()
}

describe('README "Commands"', () => {
  // The section is `npm run readme`'s output from the built commands: a help text changed without
  // it leaves the README describing the old command. (The "Usage" block names the Node version of
  // whoever generated it, so it is not compared.)
  it('is what `npm run readme` generates from the commands as built', async () => {
    const { stdout } = await run(process.execPath, [join(repoRoot, 'node_modules/oclif/bin/run.js'), 'readme', '--no-aliases', '--dry-run'], {
      cwd: repoRoot,
      env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
      maxBuffer: 8 << 20,
    })
    const committed = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(commandsSection(committed), 'README.md is stale: run `npm run build && npm run readme`').toBe(commandsSection(stdout))
  })
})

describe('mpg webhooks add --help', () => {
  it('says where a local URL is taken, and what to use instead against a real Daraja', async () => {
    const help = await runCli(['webhooks', 'add', '--help'])
    expect(help.exitCode).toBe(0)
    const text = help.stdout.replace(/\s+/g, ' ')
    expect(text).not.toContain('test keys may use http://localhost')
    expect(text).toContain('taken only by a gateway on the emulator, or one started with MPG_ALLOW_PRIVATE_WEBHOOK_URLS=1')
    expect(text).toContain('mpg listen --forward-to')
  })
})

describe('README command lines', () => {
  // A newcomer pastes them into a shell: an unquoted ? is a glob (zsh stops with "no matches
  // found"), an unquoted & sends the command to the background.
  it('quote every ? and & they hold', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const unquoted = readme
      .split('\n')
      .filter((line) => /^\s*(\$ )?(npx )?mpg /.test(line))
      .filter((line) => /[?&]/.test(line.replace(/'[^']*'|"[^"]*"/g, '').replace(/\s#.*$/, '')))
    expect(unquoted).toEqual([])
  })
})

describe('the package', () => {
  // `mpg emulator start` and the emulator's control API send readers to emulator/README.md: it must
  // be there in an installed package too, not only in a clone.
  it('ships emulator/README.md, which the CLI and the emulator point to', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] }
    expect(pkg.files).toContain('emulator/README.md')
  })
})
