import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { baseUrlFlag } from '../../cli/flags.js'
import { resolveSettings } from '../../cli/settings.js'
import { armRace, RACE_NAMES, type ArmedRace } from '../../services/emulator-race.js'
import { DEFAULT_EMULATOR_URL, locateEmulator } from '../../services/emulator-resolve.js'

export default class EmulatorScenario extends BaseCommand<typeof EmulatorScenario> {
  static summary = 'Arm a named race scenario (late success, lost callback, …) for one phone on the emulator.'
  static description = `Every later STK push to the phone (a B2C payout for b2c-result-lost) plays the race:
  late-success         a 1037 callback, then a success callback for the same CheckoutRequestID after --delay-ms (2 min)
  callback-before-ack  the callback arrives before the push's HTTP answer
  duplicate-callback   the same success callback twice
  lost-callback        paid, but no callback: only STK query knows
  query-lags           no callback; STK query answers 4999 for --delay-ms (2 min), then success
  b2c-result-lost      the B2C completes but its result never arrives: only Transaction Status knows
README.md "Debugging your integration" says what the gateway does in each.`
  static examples = [
    '<%= config.bin %> emulator scenario late-success --phone 254712345678',
    '<%= config.bin %> emulator scenario query-lags --phone 254712345678 --delay-ms 300000 --json',
  ]

  static args = {
    name: Args.string({ description: 'The race to play.', required: true, options: [...RACE_NAMES] }),
  }

  static flags = {
    phone: Flags.string({ summary: 'The phone it applies to (2547XXXXXXXX).', required: true }),
    'delay-ms': Flags.integer({ summary: 'late-success and query-lags: milliseconds until the success (default 120000, at most 600000).', min: 0, max: 600_000 }),
    'emulator-url': Flags.string({
      summary: `Base URL of the emulator (default: the one \`mpg serve\` at --base-url runs, else ${DEFAULT_EMULATOR_URL}).`,
      env: 'MPG_EMULATOR_URL',
    }),
    'base-url': baseUrlFlag,
  }

  async run(): Promise<ArmedRace> {
    const gatewayUrl = resolveSettings({ flags: this.flags }).baseUrl.value
    const emulatorUrl = await locateEmulator(this.flags['emulator-url'], gatewayUrl)
    const race = await armRace({
      emulatorUrl,
      name: this.args.name as (typeof RACE_NAMES)[number],
      phone: this.flags.phone,
      delayMs: this.flags['delay-ms'],
    })
    this.log(`Armed ${race.name} for ${race.phone} (${race.scenario.id}): ${race.description}.`)
    // A race is a phone scenario: it outlives this push, which surprises whoever pays that phone next.
    const what = race.name === 'b2c-result-lost' ? 'B2C payout' : 'STK push'
    this.log(`It plays on every later ${what} to ${race.phone} until removed: curl -X DELETE ${emulatorUrl.replace(/\/*$/, '')}/__emulator/scenarios/${race.scenario.id}`)
    return race
  }
}
