import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { MpgError } from '../../errors.js'
import { verifyWebhookRequest } from '../../services/webhook-signature.js'

export default class WebhooksVerify extends BaseCommand<typeof WebhooksVerify> {
  static summary = 'Check a received delivery\'s signature and say why it fails.'
  static description =
    'Checks X-Mpesa-Gateway-Signature and the Standard Webhooks headers against the raw body and names the usual mistake when one fails: a re-serialised body, an added newline, the secret without its prefix, another endpoint\'s secret, a stale timestamp, upper-case hex. Exit 0 when valid, 11 (SIGNATURE_INVALID) when not, 2 when the input is unusable.'
  static examples = [
    '<%= config.bin %> webhooks verify --secret whsec_… --body-file body.json --header "X-Mpesa-Gateway-Signature: 5d41…"',
    '<%= config.bin %> webhooks verify --secret whsec_… --headers-file request.txt',
    '<%= config.bin %> webhooks verify --secret whsec_… --body-file body.json --headers-file headers.txt --other-secret whsec_… --json',
  ]

  static flags = {
    secret: Flags.string({ summary: 'Endpoint secret, whsec_… (env MPG_WEBHOOK_SECRET).', env: 'MPG_WEBHOOK_SECRET', required: true }),
    'body-file': Flags.string({ summary: 'File holding the raw request body, byte for byte.' }),
    header: Flags.string({ summary: 'A received header, "Name: value" (repeatable).', multiple: true }),
    'headers-file': Flags.string({ summary: 'Saved headers ("Name: value" lines, e.g. curl -D), or a whole saved request with its body after a blank line.' }),
    'other-secret': Flags.string({ summary: 'Another of your endpoint secrets, to tell a mix-up (repeatable).', multiple: true }),
    tolerance: Flags.integer({ summary: 'Allowed webhook-timestamp age in seconds.', default: 300, min: 0 }),
  }

  async run() {
    if (!this.flags.header?.length && !this.flags['headers-file']) {
      throw new MpgError('usage', 'No signature headers given', { suggestion: 'Pass --header "X-Mpesa-Gateway-Signature: …" or --headers-file with the saved request headers' })
    }
    const result = await verifyWebhookRequest({
      secret: this.flags.secret,
      bodyFile: this.flags['body-file'],
      headers: this.flags.header ?? [],
      headersFile: this.flags['headers-file'],
      otherSecrets: this.flags['other-secret'],
      toleranceSeconds: this.flags.tolerance,
    })
    for (const v of result.verdicts) this.log(`${v.valid ? 'valid  ' : 'INVALID'} ${v.scheme}: ${v.explanation}`)
    if (!result.valid) {
      process.exitCode = ExitCode.SIGNATURE_INVALID
      if (this.jsonEnabled()) return result
      this.exit(ExitCode.SIGNATURE_INVALID)
    }
    return result
  }
}
