import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { adminFlags, connectionFlags } from '../cli/flags.js'
import { parseOverrides } from '../cli/overrides.js'
import { describeFailureCodes, FAILURE_RESULT_CODES } from '../services/test-phones.js'
import { TRIGGER_EVENTS, triggerService, type TriggerEvent, type TriggerResult } from '../services/trigger.js'

export default class Trigger extends BaseCommand<typeof Trigger> {
  static summary = 'Test mode: drive a real flow through the gateway and emulator that ends in an event.'
  static description = `Sends an STK push to the emulator test phone that produces the outcome and waits for it, so every webhook endpoint, \`mpg tail\` and \`mpg listen\` see the real event. payment.success, payment.failed, payout.success and payout.failed use your key's account (the payout ones need its payout account to be an M-Pesa phone, as the default account's is; payout.failed sets the emulator's next B2C result to 1, insufficient balance). payout.pending_manual needs a Paybill/Till/Bank payout account: it uses a dedicated test account ("mpg trigger: payout.pending_manual") created on first use with the admin token; its events go to that account, and its test key is kept in the config dir (trigger-keys.json). --override changes fields of the STK push (amount, phone, reference, description).`
  static examples = [
    '<%= config.bin %> trigger payment.success',
    '<%= config.bin %> trigger payment.failed --result-code 1037',
    '<%= config.bin %> trigger payment.success --override amount=250,reference=ORDER-9',
    '<%= config.bin %> trigger payout.pending_manual --json',
  ]

  static args = {
    event: Args.string({ description: 'The event to end in.', required: true, options: [...TRIGGER_EVENTS] }),
  }

  static flags = {
    ...connectionFlags,
    'admin-token': adminFlags['admin-token'],
    'data-dir': adminFlags['data-dir'],
    'result-code': Flags.string({ summary: `payment.failed only: the STK result code (${describeFailureCodes()}).`, options: FAILURE_RESULT_CODES }),
    override: Flags.string({ summary: 'Fields of the STK push: amount=…,phone=…,reference=…,description=… (repeatable).', multiple: true }),
    timeout: Flags.integer({ summary: 'Seconds to wait for the event.', default: 60, min: 1 }),
  }

  async run(): Promise<TriggerResult> {
    const overrides = parseOverrides(this.flags.override)
    const stops = this.watchStops()
    const result = await triggerService(this.flags, {
      event: this.args.event as TriggerEvent,
      resultCode: this.flags['result-code'],
      overrides,
      timeoutMs: this.flags.timeout * 1000,
      signal: stops.signal,
      onProgress: (text) => this.note(text),
    })
    const where = result.account.source === 'api_key' ? '' : ` on account ${result.account.id} ("${result.account.name}")`
    this.log(`Triggered ${result.event}${where}: transaction ${result.transaction_id}`)
    return result
  }
}
