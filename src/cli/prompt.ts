import { MpgError } from '../errors.js'

export interface MissingInput<T> {
  /** The flag's name without dashes. */
  flag: string
  /** The question asked on a TTY. */
  message: string
  /** Turns the typed text into the value, or throws an Error whose message is shown and re-asked. */
  parse: (text: string) => T | Promise<T>
}

/**
 * Fills a missing required flag: asks on a TTY (inquirer, loaded only now), otherwise a usage error
 * naming the flag. `canPrompt` is the command's own verdict (no --json, no CI, stdin is a TTY).
 */
export async function askForMissing<T>(input: MissingInput<T>, context: { canPrompt: boolean; usage: string }): Promise<T> {
  if (!context.canPrompt) {
    throw new MpgError('usage', `Missing required flag --${input.flag}.`, { suggestion: `Pass --${input.flag} (see \`${context.usage} --help\`).` })
  }
  const { input: ask } = await import('@inquirer/prompts')
  let value: T | undefined
  try {
    await ask({
      message: input.message,
      validate: async (text) => {
        try {
          value = await input.parse(text)
          return true
        } catch (error) {
          return error instanceof Error ? error.message : String(error)
        }
      },
    })
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') {
      throw new MpgError('usage', `Cancelled while asking for --${input.flag}.`, { suggestion: `Pass --${input.flag} on the command line.` })
    }
    throw error
  }
  return value as T
}
