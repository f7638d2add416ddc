import type { Hook } from '@oclif/core'
import { closest } from '../closest.js'
import { ExitCode } from '../exit-codes.js'

/**
 * An unknown command is a usage error like any other: one line with the closest command, exit 2,
 * and with --json exactly one JSON document on stdout.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const asTyped = options.id.replaceAll(':', ' ')
  const candidates = options.config.commandIDs.map((id) => id.replaceAll(':', ' '))
  const guess = closest(asTyped, candidates)
  const message = `Command "${asTyped}" not found.`
  const suggestion = guess ? `Did you mean \`mpg ${guess}\`? Run \`mpg --help\` for every command.` : 'Run `mpg --help` for every command.'
  if ((options.argv ?? []).includes('--json')) {
    process.stdout.write(`${JSON.stringify({ error: { kind: 'usage', message, suggestion, exit_code: ExitCode.USAGE } }, null, 2)}\n`)
  } else {
    process.stderr.write(`Error: ${message} ${suggestion}\n`)
  }
  process.exitCode = ExitCode.USAGE
}

export default hook
