import { MpgError } from '../errors.js'
import { Interrupted } from './stop-signals.js'

export interface MissingInput<T> {
  /** The flag's name without dashes. */
  flag: string
  /** The question asked at a terminal. */
  message: string
  /** Turns the typed text into the value, or throws an Error whose message is shown and re-asked. */
  parse: (text: string) => T | Promise<T>
}

/**
 * Without a person at a terminal, every missing required flag is named in one usage error (one
 * round-trip, not one per flag). `canPrompt` is the command's own verdict.
 */
export function requirePromptable(missing: string[], context: { canPrompt: boolean; usage: string }): void {
  if (missing.length === 0 || context.canPrompt) return
  const flags = missing.map((f) => `--${f}`)
  throw new MpgError('usage', `Missing required flag${flags.length > 1 ? 's' : ''} ${flags.join(', ')}.`, {
    suggestion: `Pass ${flags.length > 1 ? 'them' : 'it'} on the command line (see \`${context.usage} --help\`).`,
  })
}

/**
 * Asks for a missing flag at a terminal (inquirer, loaded only now). The question is drawn on
 * stderr, so that `mpg stk-push > out.txt` keeps the result alone in the file. Ctrl-C exits 130.
 */
export async function askForMissing<T>(input: MissingInput<T>, context: { canPrompt: boolean; usage: string }): Promise<T> {
  requirePromptable([input.flag], context)
  const { input: ask } = await import('@inquirer/prompts')
  let value: T | undefined
  try {
    await ask(
      {
        message: input.message,
        validate: async (text) => {
          try {
            value = await input.parse(text)
            return true
          } catch (error) {
            return error instanceof Error ? error.message : String(error)
          }
        },
      },
      { output: process.stderr },
    )
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new Interrupted()
    throw error
  }
  return value as T
}
