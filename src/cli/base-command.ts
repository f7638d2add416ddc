import { Command, Errors, Flags, type Interfaces } from '@oclif/core'
import type { GatewayClient } from '../client/gateway-client.js'
import { isMpgError, MpgError } from '../errors.js'
import { closeOutboundConnections } from '../client/connections.js'
import { ExitCode, exitCodeForKind } from './exit-codes.js'
import { cliError, errorDocument, errorLine } from './messages.js'
import { Interrupted, stopSignals, type StopSignals } from './stop-signals.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** Settings flags a command may declare; the client is built from whichever it has. */
interface SettingsFlags {
  'base-url'?: string
  'api-key'?: string
  'admin-token'?: string
  'data-dir'?: string
  profile?: string
}

/**
 * Every `mpg` command extends this: `--json` with one JSON document on stdout, typed errors turned
 * into "Sentence. Next step." plus a named exit code, no prompts without a person at a terminal,
 * the gateway client built once from flags > environment > profile, and Ctrl-C as exit 130.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    profile: Flags.string({
      summary: 'Profile of the config file to read settings from.',
      helpGroup: 'GLOBAL',
      env: 'MPG_PROFILE',
    }),
    color: Flags.option({ options: ['auto', 'always', 'never'] as const, summary: 'Colours: auto (at a terminal, unless NO_COLOR), always or never.', helpGroup: 'GLOBAL' })(),
    'log-level': Flags.option({ options: ['info', 'debug'] as const, summary: 'debug prints every HTTP exchange on stderr, secrets masked (env MPG_DEBUG=1).', helpGroup: 'GLOBAL' })(),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>
  private gatewayClient?: Promise<GatewayClient>
  private stops?: StopSignals

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
      const { usageErrorFrom } = await import('./parse-errors.js')
      throw usageErrorFrom(error, this.ctor, this.config.bin, this.id)
    }
    const common = this.flags as { color?: string; 'log-level'?: string }
    if (common.color === 'never') process.env.NO_COLOR = '1'
    if (common.color === 'always') {
      delete process.env.NO_COLOR
      process.env.FORCE_COLOR = '1'
    }
    if (common['log-level'] === 'debug' || (process.env.MPG_DEBUG && process.env.MPG_DEBUG !== '0')) {
      const { traceHttp } = await import('./http-trace.js')
      traceHttp()
    }
  }

  /** The gateway client, built once from the command's settings flags (flag > env > profile > default). */
  protected client(): Promise<GatewayClient> {
    this.gatewayClient ??= (async () => {
      const [{ GatewayClient }, { resolveSettings }] = await Promise.all([import('../client/gateway-client.js'), import('./settings.js')])
      const settings = resolveSettings({ flags: this.flags as SettingsFlags })
      return new GatewayClient({ baseUrl: settings.baseUrl.value, apiKey: settings.apiKey?.value, adminToken: settings.adminToken?.value })
    })()
    return this.gatewayClient
  }

  /**
   * Ctrl-C, SIGTERM and a closed stdout, watched from now on: `signal` aborts on the first. An
   * interrupt ends the command with exit 130 and no error text.
   */
  protected watchStops(): StopSignals {
    this.stops ??= stopSignals()
    return this.stops
  }

  /** Prompts are for people: never under --json, CI, or unless stdin and stderr are terminals. */
  protected canPrompt(): boolean {
    return Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY) && !this.jsonEnabled() && !process.env.CI
  }

  /** Diagnostics go to stderr so that stdout holds only the result. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${message}\n`)
  }

  protected toErrorJson(error: unknown): unknown {
    if (isMpgError(error)) {
      return errorDocument(error)
    }
    if (error instanceof Errors.CLIError) {
      return { error: { kind: 'usage', message: error.message, exit_code: error.oclif?.exit ?? ExitCode.FAILURE } }
    }
    const message = error instanceof Error ? error.message : String(error)
    return { error: { kind: 'internal', message, exit_code: ExitCode.FAILURE } }
  }

  protected async finally(error: Error | undefined): Promise<unknown> {
    const interrupted = this.stops?.reason === 'interrupt'
    this.stops?.dispose()
    // Idle keep-alive sockets would hold the process until the server drops them (about a second):
    // the command is done, so let them go. Only present when undici was loaded at all.
    const slots = globalThis as Record<symbol, { close?: () => Promise<void> } | undefined>
    const dispatcher = slots[Symbol.for('undici.globalDispatcher.2')] ?? slots[Symbol.for('undici.globalDispatcher.1')]
    await Promise.all([dispatcher?.close?.().catch(() => undefined), closeOutboundConnections()])
    if (interrupted && !error) process.exitCode = ExitCode.INTERRUPTED
    return super.finally(error)
  }

  public async catch(caught: Error & { exitCode?: number }): Promise<unknown> {
    if (caught instanceof Errors.ExitError) throw caught
    if (caught instanceof Interrupted || this.stops?.reason === 'interrupt') {
      this.stops?.dispose()
      this.exit(ExitCode.INTERRUPTED)
    }
    const error = caught instanceof Errors.CLIError && !isMpgError(caught) ? caught : cliError(caught)
    if (isMpgError(error)) {
      const exit = exitCodeForKind[error.kind]
      process.exitCode = exit
      if (this.jsonEnabled()) {
        this.logJson(this.toErrorJson(error))
        return
      }
      process.stderr.write(errorLine(error))
      this.exit(exit)
    }
    return super.catch(error)
  }
}
