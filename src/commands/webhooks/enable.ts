import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { webhooks } from '../../client/webhooks.js'

export default class WebhooksEnable extends BaseCommand<typeof WebhooksEnable> {
  static summary = 'Re-enable a webhook endpoint the gateway disabled after it kept failing.'
  static description = 'New events are delivered to it again. Deliveries abandoned while it was disabled can be sent with `mpg webhooks resend`.'
  static examples = ['<%= config.bin %> webhooks enable we_123']
  static args = { id: Args.string({ description: 'Endpoint id (we_…).', required: true }) }
  static flags = { ...connectionFlags }

  async run() {
    const endpoint = await webhooks.enable(await this.client(), this.args.id)
    this.log(`Enabled ${endpoint.id} (${endpoint.url}).`)
    return endpoint
  }
}
