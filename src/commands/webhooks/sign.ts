import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { signWebhookBody } from '../../services/webhook-signature.js'

export default class WebhooksSign extends BaseCommand<typeof WebhooksSign> {
  static summary = 'Print the signature headers the gateway would send with a body.'
  static description =
    'Signs the file\'s bytes exactly as they are with an endpoint secret, in both schemes (X-Mpesa-Gateway-Signature and Standard Webhooks), so you can post a hand-made delivery to your receiver or compare with what it computes.'
  static examples = [
    '<%= config.bin %> webhooks sign --secret whsec_… --body-file event.json',
    '<%= config.bin %> webhooks sign --secret whsec_… --body-file event.json --id evt_1 --timestamp 1764400000 --json',
  ]

  static flags = {
    secret: Flags.string({ summary: 'Endpoint secret, whsec_… (env MPG_WEBHOOK_SECRET).', env: 'MPG_WEBHOOK_SECRET', required: true }),
    'body-file': Flags.string({ summary: 'File holding the exact body to sign.', required: true }),
    id: Flags.string({ summary: 'webhook-id to sign (default: a new evt_… id).' }),
    timestamp: Flags.integer({ summary: 'webhook-timestamp in Unix seconds (default: now).', min: 0 }),
    event: Flags.string({ summary: 'X-Mpesa-Gateway-Event (default: the body\'s "event" field).' }),
  }

  async run() {
    const headers = await signWebhookBody({ secret: this.flags.secret, bodyFile: this.flags['body-file'], id: this.flags.id, timestamp: this.flags.timestamp, event: this.flags.event })
    const names: Record<string, string> = {
      'x-mpesa-gateway-signature': 'X-Mpesa-Gateway-Signature',
      'x-mpesa-gateway-event': 'X-Mpesa-Gateway-Event',
      'webhook-id': 'webhook-id',
      'webhook-timestamp': 'webhook-timestamp',
      'webhook-signature': 'webhook-signature',
    }
    for (const [name, value] of Object.entries(headers)) this.log(`${names[name] ?? name}: ${value}`)
    return headers
  }
}
