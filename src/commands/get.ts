import { BaseCommand } from '../cli/base-command.js'
import { adminFlags, connectionFlags } from '../cli/flags.js'
import { apiPath, pathArg, rawFlags } from '../cli/raw-request.js'

export default class Get extends BaseCommand<typeof Get> {
  static summary = 'GET an API path with your configured key and print the JSON answer (like `stripe get`).'
  static examples = ['<%= config.bin %> get /transactions?limit=3', '<%= config.bin %> get /transactions/trx_123', '<%= config.bin %> get /admin/accounts --admin']
  static args = pathArg
  static flags = { ...connectionFlags, 'admin-token': adminFlags['admin-token'], 'data-dir': adminFlags['data-dir'], ...rawFlags }

  async run(): Promise<unknown> {
    const path = apiPath(this.args.path)
    const client = await this.client()
    const { data } = await client.call<unknown>({ method: 'GET', path, auth: this.flags.admin ? 'admin' : 'key' })
    if (!this.jsonEnabled()) this.log(JSON.stringify(data, null, 2))
    return data
  }
}
