import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../../cli/base-command.js'
import { baseUrlFlag } from '../../../cli/flags.js'
import { resolveSettings } from '../../../cli/settings.js'
import { advanceClock, describeAdvance, durationArgument, type ClockAdvanced } from '../../../services/clock-advance.js'

export default class EmulatorClockAdvance extends BaseCommand<typeof EmulatorClockAdvance> {
  static summary = 'Move test time forward: retries, reconciliation and expiry due on the way run now.'
  static description = `On a gateway in test mode (MPG_TEST_MODE=1 mpg serve) this moves the gateway's clock and its emulator's together and answers once everything due on the way has run: webhook retries, endpoint disabling after 24 h of failures, reconciliation, payout retries and status checks, Idempotency-Key expiry. With --emulator-url it moves only that emulator's clock.`
  static examples = ['<%= config.bin %> emulator clock advance 24h', '<%= config.bin %> emulator clock advance 90s --json', '<%= config.bin %> emulator clock advance 15m --emulator-url http://127.0.0.1:8989']

  static args = {
    duration: Args.string({ description: 'How far: 90s, 15m, 24h, 1d, 1h30m, or milliseconds.', required: true }),
  }

  static flags = {
    'emulator-url': Flags.string({ summary: 'Move only this standalone emulator’s clock (not a gateway’s).' }),
    'base-url': baseUrlFlag,
  }

  async run(): Promise<ClockAdvanced> {
    const ms = durationArgument(this.args.duration)
    const gatewayUrl = resolveSettings({ flags: this.flags }).baseUrl.value
    const result = await advanceClock({ gatewayUrl, emulatorUrl: this.flags['emulator-url'], ms })
    this.log(describeAdvance(result))
    return result
  }
}
