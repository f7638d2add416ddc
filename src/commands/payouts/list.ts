import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { renderTable } from '../../cli/render.js'
import { admin, PAYOUT_STATUSES } from '../../client/admin.js'

export default class PayoutsList extends BaseCommand<typeof PayoutsList> {
  static summary = 'List payouts in one state, oldest first (all accounts).'
  static description =
    'needs_attention lists the B2C payouts Daraja could not confirm (no result, and Transaction Status did not know them): check each against the M-Pesa statement, then run `mpg payouts settle <transaction-id>` (with --mpesa-receipt when the B2C went through).'
  static examples = ['<%= config.bin %> payouts list --status needs_attention', '<%= config.bin %> payouts list --status pending_manual --json']

  static flags = {
    ...adminFlags,
    status: Flags.string({ summary: 'Payout state to list.', options: [...PAYOUT_STATUSES], required: true }),
    limit: Flags.integer({ summary: 'How many (1 to 500).', default: 100, min: 1, max: 500 }),
  }

  async run() {
    const status = this.flags.status as (typeof PAYOUT_STATUSES)[number]
    const page = await admin.listPayouts(await this.client(), { status, limit: this.flags.limit })
    const rows = page.data.map((t) => ({
      id: t.id,
      account: t.account_id,
      amount: t.payout?.amount,
      reference: t.reference,
      updated: t.payout?.updated_at,
      why: t.payout?.attention_reason ?? t.payout?.result_desc ?? '',
    }))
    this.log(
      rows.length === 0
        ? `No payouts are ${status}.`
        : renderTable(rows, [
            { key: 'id', header: 'TRANSACTION' },
            { key: 'account', header: 'ACCOUNT' },
            { key: 'amount', header: 'KES' },
            { key: 'reference', header: 'REFERENCE' },
            { key: 'updated', header: 'UPDATED' },
            { key: 'why', header: 'WHY' },
          ]),
    )
    if (page.has_more) this.log(`More than ${this.flags.limit}: settle these first, or raise --limit.`)
    return page
  }
}
