import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { baseUrlFlag } from '../../cli/flags.js'
import { resolveSettings } from '../../cli/settings.js'
import { HELD_PHONE } from '../../services/test-phones.js'
import { DEFAULT_EMULATOR_URL, locateEmulator, resolveHeldPrompt, type ResolvedTransaction } from '../../services/emulator-resolve.js'

export default class EmulatorResolve extends BaseCommand<typeof EmulatorResolve> {
  static summary = 'Finish a held STK prompt on the emulator.'
  static description = `Prompts to ${HELD_PHONE} (or a scenario with "hold": true) wait until resolved. The callback goes out at once with the given ResultCode.`
  static examples = [
    '<%= config.bin %> emulator resolve ws_CO_191220191020363925708374149 --result-code 0',
    '<%= config.bin %> emulator resolve ws_CO_191220191020363925708374149 --result-code 1032 --json',
  ]

  static args = {
    'checkout-request-id': Args.string({ description: 'The CheckoutRequestID returned by the STK push.', required: true }),
  }

  static flags = {
    'result-code': Flags.integer({ summary: 'Daraja ResultCode to finish with (0 paid, 1032 cancelled, 1037 timeout, 1 insufficient funds, 2001 wrong PIN).', required: true }),
    'emulator-url': Flags.string({
      summary: `Base URL of the emulator (default: the one \`mpg serve\` at --base-url runs, else ${DEFAULT_EMULATOR_URL}).`,
      env: 'MPG_EMULATOR_URL',
    }),
    'base-url': baseUrlFlag,
  }

  async run(): Promise<ResolvedTransaction> {
    const gatewayUrl = resolveSettings({ flags: this.flags }).baseUrl.value
    const transaction = await resolveHeldPrompt({
      emulatorUrl: await locateEmulator(this.flags['emulator-url'], gatewayUrl),
      checkoutRequestId: this.args['checkout-request-id'],
      resultCode: this.flags['result-code'],
    })
    this.log(`Resolved ${transaction.checkout_request_id}: ResultCode ${transaction.result_code} (${transaction.result_desc}).`)
    this.log(`The callback is on its way to ${transaction.callback_url}.`)
    return transaction
  }
}
