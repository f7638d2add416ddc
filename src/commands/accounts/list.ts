import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { describePayoutAccount, renderTable } from '../../cli/render.js'
import { admin } from '../../client/admin.js'

export default class AccountsList extends BaseCommand<typeof AccountsList> {
  static summary = 'List merchant accounts.'
  static flags = { ...adminFlags }

  async run() {
    const accounts = await admin.listAccounts(await this.client())
    this.log(
      renderTable(
        accounts.map((a) => ({ ...a, payout: describePayoutAccount(a.payout_account) })),
        [
          { key: 'id', header: 'ID' },
          { key: 'name', header: 'NAME' },
          { key: 'payout', header: 'PAYOUT' },
          { key: 'created_at', header: 'CREATED' },
        ],
      ),
    )
    return { data: accounts }
  }
}
