import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { webhooks } from '../../client/webhooks.js'
import { EVENT_TYPES, type EventType } from '../../schemas/webhooks.js'

export default class WebhooksAdd extends BaseCommand<typeof WebhooksAdd> {
  static summary = 'Add a webhook endpoint; prints its signing secret once.'
  static description =
    'Live keys need a public https URL. A local or private URL (http://localhost:3000/…) is taken only by a gateway on the emulator, or one started with MPG_ALLOW_PRIVATE_WEBHOOK_URLS=1: with a real Daraja, forward events to a local server with `mpg listen --forward-to` instead. Every delivery carries X-Mpesa-Gateway-Signature and the Standard Webhooks headers, both verifiable with the printed whsec_… secret.'
  static examples = [
    '<%= config.bin %> webhooks add https://example.com/webhooks/mpesa',
    '<%= config.bin %> webhooks add http://localhost:3000/hooks --events payment.success,payment.failed --json',
  ]

  static args = { url: Args.string({ description: 'Where to POST events.', required: true }) }
  static flags = {
    ...connectionFlags,
    events: Flags.string({ summary: 'Only these events (comma-separated); all when omitted.', multiple: true, delimiter: ',', options: [...EVENT_TYPES] }),
  }

  async run() {
    const endpoint = await webhooks.create(await this.client(), { url: this.args.url, events: this.flags.events as EventType[] | undefined })
    this.log(`Added ${endpoint.id} (${endpoint.mode}) → ${endpoint.url}`)
    this.log(`Events: ${endpoint.events.length ? endpoint.events.join(', ') : 'all'}`)
    this.log(`Signing secret (shown once, store it now): ${endpoint.secret}`)
    return endpoint
  }
}
