import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { transactionListLines } from '../../cli/transaction-view.js'
import { TRANSACTION_LIST_LIMIT, TRANSACTION_STATUSES } from '../../schemas/transaction-list.js'

export default class TransactionsList extends BaseCommand<typeof TransactionsList> {
  static summary = 'List transactions, newest first.'
  static examples = ['<%= config.bin %> transactions list', '<%= config.bin %> transactions list --status failed --limit 5', '<%= config.bin %> transactions list --reference ORDER-1', '<%= config.bin %> transactions list --json']

  static flags = {
    ...connectionFlags,
    status: Flags.string({ summary: 'Only transactions in this state.', options: [...TRANSACTION_STATUSES] }),
    reference: Flags.string({ summary: 'Only transactions with exactly this reference (case-sensitive).' }),
    limit: Flags.integer({ summary: `How many (${TRANSACTION_LIST_LIMIT.min} to ${TRANSACTION_LIST_LIMIT.max}).`, ...TRANSACTION_LIST_LIMIT }),
    'starting-after': Flags.string({ summary: 'Cursor: list transactions older than this id (next_cursor of the previous page).' }),
  }

  async run() {
    const page = await (await this.client()).listTransactions({ status: this.flags.status, reference: this.flags.reference, limit: this.flags.limit, starting_after: this.flags['starting-after'] })
    for (const line of transactionListLines(page, this.flags)) this.log(line)
    return page
  }
}
