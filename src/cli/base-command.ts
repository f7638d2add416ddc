import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import { isMpgError, MpgError } from '../errors.js'
import { ExitCode, exitCodeForKind } from './exit-codes.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Every `mpg` command extends this: `--json` with one JSON document on stdout, typed errors turned
 * into one line plus a suggestion and a named exit code, and no prompts without a person at a TTY.
 */
const FILE_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EEXIST'])

/** An error no service anticipated still gets one line and a next step, never a stack trace. */
function asUnexpected(error: Error & { code?: string; path?: string }): MpgError {
  if (error.code && FILE_ERRORS.has(error.code)) {
    return new MpgError('config', `${error.message}.`, {
      suggestion: `Check that ${error.path ?? 'the path'} exists and is writable (settings: MPG_CONFIG_DIR, MPG_DATA_DIR, --data-dir).`,
    })
  }
  return new MpgError('internal', error.message || String(error), {
    suggestion: 'This is unexpected: run again with DEBUG=mpg* or DEBUG=* and report the output.',
  })
}

/** oclif wraps a flag's own error as "Parsing --x \n\t<message>\nSee more help with --help". */
function cleanParseMessage(message: string): string {
  const flag = /^Parsing (--[\w-]+)/.exec(message)?.[1]
  const inner = message
    .replace(/^Parsing --[\w-]+\s*/, '')
    .replace(/\s*See more help with --help\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
  return flag && !inner.includes(flag) ? `${flag}: ${inner}` : inner
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    profile: Flags.string({
      summary: 'Profile of the config file to read settings from.',
      helpGroup: 'GLOBAL',
      env: 'MPG_PROFILE',
    }),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>

  public async init(): Promise<void> {
    await super.init()
    try {
      const { args, flags } = await this.parse({
        flags: this.ctor.flags,
        baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
        enableJsonFlag: this.ctor.enableJsonFlag,
        args: this.ctor.args,
        strict: this.ctor.strict,
      })
      this.flags = flags as CommandFlags<T>
      this.args = args as CommandArgs<T>
    } catch (error) {
      // Every parse failure (oclif's own, or a custom flag's validation) is a usage error.
      if (error instanceof Error && !isMpgError(error)) {
        throw new MpgError('usage', cleanParseMessage(error.message), {
          suggestion: `See \`${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''} --help\`.`,
        })
      }
      throw error
    }
  }

  /** Prompts are for people: never under --json, CI, or without a TTY on stdin. */
  protected canPrompt(): boolean {
    return Boolean(process.stdin.isTTY) && !this.jsonEnabled() && !process.env.CI
  }

  /** Diagnostics go to stderr so that stdout holds only the result. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  protected toErrorJson(error: unknown): unknown {
    if (isMpgError(error)) {
      return { error: { kind: error.kind, message: error.message, suggestion: error.suggestion, exit_code: exitCodeForKind[error.kind] } }
    }
    if (error instanceof Errors.CLIError) {
      return { error: { kind: 'usage', message: error.message, exit_code: error.oclif?.exit ?? ExitCode.FAILURE } }
    }
    const message = error instanceof Error ? error.message : String(error)
    return { error: { kind: 'internal', message, exit_code: ExitCode.FAILURE } }
  }

  public async catch(caught: Error & { exitCode?: number }): Promise<unknown> {
    if (caught instanceof Errors.ExitError) throw caught
    const error = isMpgError(caught) || caught instanceof Errors.CLIError ? caught : asUnexpected(caught)
    if (isMpgError(error)) {
      const exit = exitCodeForKind[error.kind]
      process.exitCode = exit
      if (this.jsonEnabled()) {
        this.logJson(this.toErrorJson(error))
        return
      }
      // One line, unwrapped (CI logs and greps see it whole): what went wrong, then what to do.
      const message = error.message.replace(/\s*\n\s*/g, ' ')
      process.stderr.write(`Error: ${message}${error.suggestion ? ` ${error.suggestion}` : ''}\n`)
      this.exit(exit)
    }
    return super.catch(error)
  }
}
