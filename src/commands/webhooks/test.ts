import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { ExitCode } from '../../cli/exit-codes.js'
import { PROCESSED_HEADER, runWebhookConformance } from '../../services/webhook-conformance.js'

export default class WebhooksTest extends BaseCommand<typeof WebhooksTest> {
  static summary = 'Check that your webhook receiver verifies, deduplicates and acknowledges correctly.'
  static description = `Sends crafted deliveries to your receiver: a valid one (expects 2xx), a bad signature, a re-serialised body and an hour-old Standard Webhooks timestamp (each expects 4xx), the same webhook-id twice (expects 2xx twice, processed once — answer ${PROCESSED_HEADER}: true|false to let it check), every event type with real-shaped bodies, and every answer within 10 s. Prints a table; exit 12 (TEST_FAILED) on any failure, so CI can run it.`
  static examples = [
    '<%= config.bin %> webhooks test http://localhost:3000/webhooks --secret whsec_…',
    '<%= config.bin %> webhooks test https://shop.example.com/mpesa/webhooks --secret whsec_… --json',
  ]

  static args = { url: Args.string({ description: 'Your receiver\'s URL.', required: true }) }
  static flags = {
    secret: Flags.string({ summary: 'The secret your receiver verifies with, whsec_… (env MPG_WEBHOOK_SECRET).', env: 'MPG_WEBHOOK_SECRET', required: true }),
  }

  async run() {
    const report = await runWebhookConformance({ url: this.args.url, secret: this.flags.secret, signal: this.watchStops().signal })
    const width = Math.max(...report.cases.map((c) => c.name.length))
    for (const c of report.cases) this.log(`${c.outcome === 'pass' ? 'PASS' : c.outcome === 'fail' ? 'FAIL' : '  ? '}  ${c.name.padEnd(width)}  expects ${c.expected}; ${c.detail}`)
    this.log(`${report.passed} of ${report.cases.length} cases passed; ${report.failed} failed; ${report.unknown} could not tell.`)
    if (report.failed > 0) {
      process.exitCode = ExitCode.TEST_FAILED
      if (!this.jsonEnabled()) this.exit(ExitCode.TEST_FAILED)
    }
    return report
  }
}
