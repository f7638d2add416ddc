import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { admin } from '../../client/admin.js'

export default class PayoutsSettle extends BaseCommand<typeof PayoutsSettle> {
  static summary = 'Mark a manual (Paybill/Till/Bank) payout as settled.'
  static args = { 'transaction-id': Args.string({ description: 'The transaction whose payout was paid by hand.', required: true }) }
  static flags = { ...adminFlags }

  async run() {
    const transaction = await admin.settlePayout(await this.client(), this.args['transaction-id'])
    this.log(`Payout of ${transaction.id} settled (${transaction.payout?.amount} KES).`)
    return transaction
  }
}
