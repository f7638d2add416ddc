import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags } from '../../cli/flags.js'
import { renderTable } from '../../cli/render.js'
import { admin } from '../../client/admin.js'

export default class KeysList extends BaseCommand<typeof KeysList> {
  static summary = 'List API keys (prefixes only: keys are never shown again).'
  static flags = { ...adminFlags }

  async run() {
    const keys = await admin.listKeys(await this.client())
    this.log(
      renderTable(keys, [
        { key: 'id', header: 'ID' },
        { key: 'prefix', header: 'PREFIX' },
        { key: 'mode', header: 'MODE' },
        { key: 'name', header: 'NAME' },
        { key: 'account_id', header: 'ACCOUNT' },
        { key: 'status', header: 'STATUS' },
        { key: 'created_at', header: 'CREATED' },
        { key: 'last_used_at', header: 'LAST USED' },
      ]),
    )
    return { data: keys }
  }
}
