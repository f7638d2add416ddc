import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { renderTable } from '../../cli/render.js'
import { maskPhone } from '../../utils/phone.js'

export default class TransactionsList extends BaseCommand<typeof TransactionsList> {
  static summary = 'List transactions, newest first.'
  static examples = ['<%= config.bin %> transactions list', '<%= config.bin %> transactions list --status failed --limit 5', '<%= config.bin %> transactions list --reference ORDER-1', '<%= config.bin %> transactions list --json']

  static flags = {
    ...connectionFlags,
    status: Flags.string({ summary: 'Only transactions in this state.', options: ['pending', 'success', 'failed'] }),
    reference: Flags.string({ summary: 'Only transactions with exactly this reference (case-sensitive).' }),
    limit: Flags.integer({ summary: 'How many (1 to 100).', default: 20, min: 1, max: 100 }),
    'starting-after': Flags.string({ summary: 'Cursor: list transactions older than this id (next_cursor of the previous page).' }),
  }

  async run() {
    const page = await (await this.client()).listTransactions({ status: this.flags.status, reference: this.flags.reference, limit: this.flags.limit, starting_after: this.flags['starting-after'] })
    const rows = page.data.map((t) => ({
      id: t.id,
      created: t.created_at,
      status: t.status,
      amount: t.amount,
      phone: maskPhone(t.phone),
      reference: t.reference,
      receipt: t.mpesa_receipt_number,
      payout: t.payout?.status,
    }))
    this.log(
      renderTable(rows, [
        { key: 'id', header: 'ID' },
        { key: 'created', header: 'CREATED' },
        { key: 'status', header: 'STATUS' },
        { key: 'amount', header: 'KES' },
        { key: 'phone', header: 'PHONE' },
        { key: 'reference', header: 'REFERENCE' },
        { key: 'receipt', header: 'RECEIPT' },
        { key: 'payout', header: 'PAYOUT' },
      ]),
    )
    const filters = `${this.flags.status ? ` --status ${this.flags.status}` : ''}${this.flags.reference ? ` --reference ${JSON.stringify(this.flags.reference)}` : ''}`
    if (page.has_more && page.next_cursor) this.log(`More: mpg transactions list${filters} --starting-after ${page.next_cursor}`)
    return page
  }
}
