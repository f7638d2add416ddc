import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { settlePayoutService } from '../../services/settle-payout.js'

export default class PayoutsSettle extends BaseCommand<typeof PayoutsSettle> {
  static summary = 'Mark a manual (Paybill/Till/Bank) payout as settled.'
  static args = { 'transaction-id': Args.string({ description: 'The transaction whose payout was paid by hand.', required: true }) }
  static flags = { ...adminFlags }

  async run() {
    const transaction = await settlePayoutService(this.flags, this.args['transaction-id'])
    this.log(`Payout of ${transaction.id} settled (${transaction.payout?.amount} KES).`)
    return transaction
  }
}
