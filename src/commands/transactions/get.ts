import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { transactionLines } from '../../cli/transaction-view.js'
import type { Transaction } from '../../schemas/gateway.js'

export default class TransactionsGet extends BaseCommand<typeof TransactionsGet> {
  static summary = 'Show one transaction.'
  static examples = ['<%= config.bin %> transactions get 8c525811-507d-4e52-8a1c-2aafa9da1367', '<%= config.bin %> transactions get 8c525811-507d-4e52-8a1c-2aafa9da1367 --json']

  static args = {
    id: Args.string({ description: 'Transaction id (from stk-push or transactions list).', required: true }),
  }

  static flags = { ...connectionFlags }

  async run(): Promise<{ transaction: Transaction }> {
    const t = await (await this.client()).getTransaction(this.args.id)
    for (const line of transactionLines(t)) this.log(line)
    return { transaction: t }
  }
}
