import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { ExitCode } from '../cli/exit-codes.js'
import { adminFlags } from '../cli/flags.js'
import { renderReconcileReport } from '../cli/reconcile-report.js'
import { admin } from '../client/admin.js'

export default class Reconcile extends BaseCommand<typeof Reconcile> {
  static summary = 'Ask Daraja about every payment and payout of a period and list where it disagrees with the gateway.'
  static description =
    'STK Query for each payment, Transaction Status for each B2C payout (the gateway asks, with its Daraja credentials). Lists payments paid at Daraja but pending or failed here, failed at Daraja but successful here, payments Daraja cannot be asked about, and payouts without a result. --fix settles what Daraja proves exactly as a callback would (same events and webhooks, one payout at most); final states change only with --force, and never where money could move twice. Exit 0 when nothing is left open, 13 (DISAGREEMENT) when something is.'
  static examples = [
    '<%= config.bin %> reconcile',
    '<%= config.bin %> reconcile --since 7d --json',
    '<%= config.bin %> reconcile --since 2h --fix',
    '<%= config.bin %> reconcile --fix --force',
  ]

  static flags = {
    ...adminFlags,
    since: Flags.string({ summary: 'How far back: a number and s, m, h or d (at most 31d).', default: '24h' }),
    fix: Flags.boolean({ summary: 'Settle what Daraja proves, as its callback would have.' }),
    force: Flags.boolean({ summary: 'With --fix: also correct final states Daraja contradicts (never where money could move twice).', dependsOn: ['fix'] }),
    limit: Flags.integer({ summary: 'Most transactions to check, newest first.', default: 1000, min: 1, max: 5000 }),
  }

  async run() {
    const { since, fix, force, limit } = this.flags
    const report = await admin.reconcile(await this.client(), { since, fix, force, limit })
    this.log(renderReconcileReport(report))
    if (report.unresolved > 0) {
      process.exitCode = ExitCode.DISAGREEMENT
      if (!this.jsonEnabled()) this.exit(ExitCode.DISAGREEMENT)
    }
    return report
  }
}
