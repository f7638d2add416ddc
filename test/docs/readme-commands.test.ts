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

describe('mpg commands the READMEs mention', () => {
  // Prose and examples outside the generated section: a renamed command or flag leaves them behind.
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, { flags: Record<string, unknown> }>
  }
  const ids = Object.keys(manifest.commands).map((id) => id.split(':'))

  /**
   * Each `mpg …` invocation in code spans and code blocks of `text`, split at shell separators;
   * `inComment` when it is in a shell comment, which may also say "mpg" in a sentence.
   */
  function invocations(text: string): Array<{ line: string; inComment: boolean }> {
    const pieces = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1])
    for (const block of text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) pieces.push(...block[1].split('\n'))
    const found: Array<{ line: string; inComment: boolean }> = []
    for (const piece of pieces) {
      piece.split('#').forEach((section, index) => {
        for (const part of section.split(/&&|;|\||\$\(/)) {
          const match = /(?:^|[\s$])(?:npx )?mpg ([a-z][a-z-]*(?: [a-z][a-z-]*)*)(?=\s|$)(.*)$/.exec(part)
          if (match) found.push({ line: `${match[1]}${match[2]}`, inComment: index > 0 })
        }
      })
    }
    return found
  }

  for (const file of ['README.md', 'emulator/README.md', 'examples/README.md']) {
    it(`${file}: every command and flag exists`, () => {
      let text = readFileSync(join(repoRoot, file), 'utf8')
      const generated = text.indexOf('\n<!-- commands -->\n')
      if (generated > 0) text = text.slice(0, generated)
      const wrong: string[] = []
      for (const { line, inComment } of invocations(text)) {
        const words = line.split(/\s+/)
        if (words[0] === 'help') continue
        let best: string[] | undefined
        for (const id of ids) if (id.every((w, i) => words[i] === w) && (!best || id.length > best.length)) best = id
        if (!best) {
          if (!inComment) wrong.push(`no command: mpg ${line}`)
          continue
        }
        const flags = manifest.commands[best.join(':')].flags
        for (const [, flag] of line.matchAll(/(?:^|\s)--(?:no-)?([a-z][a-z-]*)/g)) {
          if (!(flag in flags) && flag !== 'help') wrong.push(`no flag --${flag} on mpg ${best.join(' ')}: mpg ${line}`)
        }
      }
      expect(wrong).toEqual([])
    })
  }
})
