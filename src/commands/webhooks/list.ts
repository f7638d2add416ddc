import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { renderTable } from '../../cli/render.js'
import { webhooks } from '../../client/webhooks.js'

export default class WebhooksList extends BaseCommand<typeof WebhooksList> {
  static summary = "List the webhook endpoints of the key's account and mode."
  static examples = ['<%= config.bin %> webhooks list', '<%= config.bin %> webhooks list --json']
  static flags = { ...connectionFlags }

  async run() {
    const endpoints = await webhooks.list(await this.client())
    this.log(
      renderTable(
        endpoints.map((e) => ({ ...e, events: e.events.length ? e.events.join(',') : 'all' })),
        [
          { key: 'id', header: 'ID' },
          { key: 'url', header: 'URL' },
          { key: 'events', header: 'EVENTS' },
          { key: 'mode', header: 'MODE' },
          { key: 'created_at', header: 'CREATED' },
        ],
      ),
    )
    return { data: endpoints }
  }
}
