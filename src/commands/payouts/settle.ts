import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { admin } from '../../client/admin.js'

export default class PayoutsSettle extends BaseCommand<typeof PayoutsSettle> {
  static summary = 'Mark a manual (Paybill/Till/Bank) or needs_attention payout as settled.'
  static args = { 'transaction-id': Args.string({ description: 'The transaction whose payout a person finished.', required: true }) }
  static flags = {
    ...adminFlags,
    'mpesa-receipt': Flags.string({ summary: 'The receipt of the B2C found on the M-Pesa statement (needs_attention payouts).' }),
  }

  async run() {
    const transaction = await admin.settlePayout(await this.client(), this.args['transaction-id'], { mpesa_receipt: this.flags['mpesa-receipt'] })
    this.log(`Payout of ${transaction.id} settled (${transaction.payout?.amount} KES).`)
    return transaction
  }
}
