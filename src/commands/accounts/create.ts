import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags, phoneFlag } from '../../cli/flags.js'
import { describePayoutAccount } from '../../cli/render.js'
import { createAccountService } from '../../services/create-account.js'

export default class AccountsCreate extends BaseCommand<typeof AccountsCreate> {
  static summary = 'Create a merchant account with its default payout account.'
  static examples = [
    '<%= config.bin %> accounts create --name "Duka" --payout-mpesa 0712345678',
    '<%= config.bin %> accounts create --name "Duka" --payout-paybill 888880 --account-number 12345',
    '<%= config.bin %> accounts create --name "Duka" --payout-till 5123456 --json',
  ]

  static flags = {
    ...adminFlags,
    name: Flags.string({ summary: 'Account name.', required: true }),
    'payout-mpesa': phoneFlag({ summary: 'Pay out by B2C to this M-Pesa phone.', helpGroup: 'PAYOUT' }),
    'payout-paybill': Flags.string({ summary: 'Pay out (manually) to this Paybill; needs --account-number.', helpGroup: 'PAYOUT' }),
    'payout-till': Flags.string({ summary: 'Pay out (manually) to this Till.', helpGroup: 'PAYOUT' }),
    'payout-bank': Flags.string({ summary: 'Pay out (manually) to this bank; needs --account-number.', helpGroup: 'PAYOUT' }),
    'account-number': Flags.string({ summary: 'Account number for --payout-paybill or --payout-bank.', helpGroup: 'PAYOUT' }),
  }

  async run() {
    const account = await createAccountService(await this.client(), { name: this.flags.name, payout: this.flags })
    this.log(`Created ${account.id} "${account.name}", payout: ${describePayoutAccount(account.payout_account)}`)
    this.log(`Next: mpg keys create --account ${account.id} --mode test`)
    return account
  }
}
