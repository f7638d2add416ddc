import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { webhooks } from '../../client/webhooks.js'

export default class WebhooksRemove extends BaseCommand<typeof WebhooksRemove> {
  static summary = 'Remove a webhook endpoint (its delivery log stays readable).'
  static examples = ['<%= config.bin %> webhooks remove we_123']
  static args = { id: Args.string({ description: 'Endpoint id (we_…).', required: true }) }
  static flags = { ...connectionFlags }

  async run() {
    const endpoint = await webhooks.remove(await this.client(), this.args.id)
    this.log(`Removed ${endpoint.id} (${endpoint.url}).`)
    return endpoint
  }
}
