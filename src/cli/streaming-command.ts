import type { Command } from '@oclif/core'
import { BaseCommand } from './base-command.js'

/**
 * A long-running command whose `--json` output is NDJSON (`mpg serve`, `mpg worker`): every line
 * one JSON object, and an error that ends the stream is one line too.
 */
export abstract class StreamingCommand<T extends typeof Command> extends BaseCommand<T> {
  // Restated here: without it oclif's manifest leaves --json out for the commands below this class.
  static enableJsonFlag = true

  public logJson(json: unknown): void {
    this.line(json)
  }

  /** One NDJSON line on stdout. */
  protected line(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`)
  }
}
