import type { Hook } from '@oclif/core'
import { ExitCode } from '../exit-codes.js'

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]
}

/**
 * An unknown command is a usage error like any other: one line with the closest command, exit 2,
 * and with --json exactly one JSON document on stdout.
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const asTyped = options.id.replaceAll(':', ' ')
  const candidates = options.config.commandIDs.map((id) => id.replaceAll(':', ' '))
  const closest = candidates
    .map((id) => ({ id, d: distance(asTyped, id) }))
    .sort((x, y) => x.d - y.d)
    .find((c) => c.d <= Math.max(2, Math.floor(asTyped.length / 3)))
  const message = `Command "${asTyped}" not found.`
  const suggestion = closest ? `Did you mean \`mpg ${closest.id}\`? Run \`mpg --help\` for every command.` : 'Run `mpg --help` for every command.'
  if ((options.argv ?? []).includes('--json')) {
    process.stdout.write(`${JSON.stringify({ error: { kind: 'usage', message, suggestion, exit_code: ExitCode.USAGE } }, null, 2)}\n`)
  } else {
    process.stderr.write(`Error: ${message} ${suggestion}\n`)
  }
  process.exitCode = ExitCode.USAGE
}

export default hook
