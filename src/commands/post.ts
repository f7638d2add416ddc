import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { adminFlags, connectionFlags } from '../cli/flags.js'
import { apiPath, bodyFrom, pathArg, rawFlags } from '../cli/raw-request.js'

export default class Post extends BaseCommand<typeof Post> {
  static summary = 'POST to an API path with your configured key and print the JSON answer (like `stripe post`).'
  static examples = [
    '<%= config.bin %> post /stk-push -d amount:=10 -d phone=254708374149 -d reference=R-1 -d description=Test --idempotency-key r-1',
    `<%= config.bin %> post /webhooks --body '{"url":"http://localhost:3000/hooks"}'`,
  ]
  static args = pathArg
  static flags = {
    ...connectionFlags,
    'admin-token': adminFlags['admin-token'],
    'data-dir': adminFlags['data-dir'],
    ...rawFlags,
    data: Flags.string({ char: 'd', summary: 'A body field: key=value (a string) or key:=value (raw JSON, e.g. amount:=10); repeatable.', multiple: true, exclusive: ['body'] }),
    body: Flags.string({ summary: 'The whole JSON body.' }),
    'idempotency-key': Flags.string({ summary: 'Sent as the Idempotency-Key header.' }),
  }

  async run(): Promise<unknown> {
    const path = apiPath(this.args.path)
    const json = bodyFrom(this.flags.data, this.flags.body)
    const client = await this.client()
    const headers = this.flags['idempotency-key'] ? { 'idempotency-key': this.flags['idempotency-key'] } : undefined
    const { data } = await client.call<unknown>({ method: 'POST', path, json, headers, auth: this.flags.admin ? 'admin' : 'key' })
    if (!this.jsonEnabled()) this.log(JSON.stringify(data, null, 2))
    return data
  }
}
