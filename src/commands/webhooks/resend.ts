import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { webhooks } from '../../client/webhooks.js'

export default class WebhooksResend extends BaseCommand<typeof WebhooksResend> {
  static summary = 'Send a delivery again (a new round of attempts with retries).'
  static examples = ['<%= config.bin %> webhooks resend del_123', '<%= config.bin %> webhooks resend del_123 --json']
  static args = { 'delivery-id': Args.string({ description: 'Delivery id (del_…), from `mpg webhooks deliveries`.', required: true }) }
  static flags = { ...connectionFlags }

  async run() {
    const delivery = await webhooks.resend(await this.client(), this.args['delivery-id'])
    this.log(`Queued ${delivery.id} (${delivery.event}) for delivery; follow it with \`mpg webhooks deliveries ${delivery.endpoint_id}\`.`)
    return delivery
  }
}
