import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { connectionFlags } from '../../cli/flags.js'
import { renderTable } from '../../cli/render.js'
import { webhooks } from '../../client/webhooks.js'
import type { WebhookDelivery } from '../../schemas/webhooks.js'

export default class WebhooksDeliveries extends BaseCommand<typeof WebhooksDeliveries> {
  static summary = "An endpoint's deliveries and their attempts, newest first."
  static description = 'Each attempt records its time, HTTP status (or network error), duration and the first 1 KiB of the answer; --json shows them all.'
  static examples = ['<%= config.bin %> webhooks deliveries we_123', '<%= config.bin %> webhooks deliveries we_123 --status failed --json', '<%= config.bin %> webhooks deliveries we_123 --starting-after del_456']
  static args = { id: Args.string({ description: 'Endpoint id (we_…).', required: true }) }
  static flags = {
    ...connectionFlags,
    status: Flags.string({ summary: 'Only deliveries in this state.', options: ['pending', 'succeeded', 'failed'] }),
    limit: Flags.integer({ summary: 'At most this many (1–100).', min: 1, max: 100 }),
    'starting-after': Flags.string({ summary: 'Cursor: deliveries older than this one (next_cursor of the previous page).' }),
  }

  async run() {
    const page = await webhooks.deliveriesPage(await this.client(), {
      endpointId: this.args.id,
      status: this.flags.status as WebhookDelivery['status'] | undefined,
      limit: this.flags.limit,
      startingAfter: this.flags['starting-after'],
    })
    this.log(
      renderTable(
        page.data.map((d) => {
          const last = d.attempts.at(-1)
          return {
            id: d.id,
            event: d.event,
            status: d.status,
            attempts: d.attempts.length,
            last: last ? (last.status_code ?? last.error ?? '-') : '-',
            next: d.next_attempt_at,
            event_id: d.event_id,
          }
        }),
        [
          { key: 'id', header: 'DELIVERY' },
          { key: 'event', header: 'EVENT' },
          { key: 'status', header: 'STATUS' },
          { key: 'attempts', header: 'ATTEMPTS' },
          { key: 'last', header: 'LAST RESULT' },
          { key: 'next', header: 'NEXT ATTEMPT' },
          { key: 'event_id', header: 'EVENT ID' },
        ],
      ),
    )
    if (page.has_more && page.next_cursor) {
      const same = `${this.flags.status ? ` --status ${this.flags.status}` : ''}${this.flags.limit !== undefined ? ` --limit ${this.flags.limit}` : ''}`
      this.log(`More: mpg webhooks deliveries ${this.args.id}${same} --starting-after ${page.next_cursor}`)
    }
    return page
  }
}
