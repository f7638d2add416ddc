import { Errors } from '@oclif/core'
import { isMpgError, MpgError } from '../errors.js'
import { closest } from './closest.js'

interface CommandShape {
  flags?: Record<string, { char?: string } | undefined>
  baseFlags?: Record<string, unknown>
  enableJsonFlag?: boolean
}

/**
 * Every parse failure (oclif's own, or a custom flag's validation) as one usage error in the house
 * style: all missing required flags named at once, a mistyped flag with the closest real one.
 */
export function usageErrorFrom(error: unknown, command: CommandShape, bin: string, id: string | undefined): unknown {
  if (!(error instanceof Error) || isMpgError(error)) return error
  const usage = `${bin} ${id?.replaceAll(':', ' ') ?? ''}`.trim()
  const help = `See \`${usage} --help\`.`
  const known = [...Object.keys(command.flags ?? {}), ...Object.keys(command.baseFlags ?? {}), ...(command.enableJsonFlag ? ['json'] : []), 'help']

  if (error instanceof Errors.CLIError && 'flags' in error && Array.isArray((error as { flags: unknown }).flags)) {
    const typed = (error as unknown as { flags: string[] }).flags
    const first = typed[0]
    const name = first.replace(/^-+/, '').split('=')[0]
    const guess = closest(name, known)
    return new MpgError('usage', `Unknown flag${typed.length > 1 ? 's' : ''} ${typed.join(', ')}.`, {
      suggestion: guess ? `Did you mean --${guess}? ${help}` : help,
    })
  }
  const missing = [...error.message.matchAll(/Missing required flag:?\s+-*([\w-]+)/g)].map((m) => `--${m[1]}`)
  if (missing.length > 0) {
    return new MpgError('usage', `Missing required flag${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`, {
      suggestion: `Pass ${missing.length > 1 ? 'them' : 'it'} on the command line. ${help}`,
    })
  }
  return new MpgError('usage', cleanParseMessage(error.message), { suggestion: help })
}

/** oclif wraps a flag's own error as "Parsing --x \n\t<message>\nSee more help with --help". */
function cleanParseMessage(message: string): string {
  const flag = /^Parsing (--[\w-]+)/.exec(message)?.[1]
  const inner = message
    .replace(/^Parsing --[\w-]+\s*/, '')
    .replace(/\s*See more help with --help\s*$/, '')
    .replace(/^The following errors? occurred:\s*/, '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return flag && !inner.includes(flag) ? `${flag}: ${inner}` : inner
}
