import { BaseCommand } from '../cli/base-command.js'
import { adminFlags, connectionFlags } from '../cli/flags.js'
import { apiPath, pathArg, rawFlags } from '../cli/raw-request.js'

export default class Get extends BaseCommand<typeof Get> {
  static summary = 'GET an API path with your configured key and print the JSON answer (like `stripe get`).'
  // The query is quoted: an unquoted ? is a glob, which zsh refuses when no file matches.
  static examples = [
    `<%= config.bin %> get '/transactions?limit=3&status=success'`,
    '<%= config.bin %> get /transactions/8c525811-507d-4e52-8a1c-2aafa9da1367',
    '<%= config.bin %> get /admin/accounts --admin',
  ]
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
