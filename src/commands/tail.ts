import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { connectionFlags } from '../cli/flags.js'
import { EVENT_TYPES } from '../schemas/webhooks.js'

export default class Tail extends BaseCommand<typeof Tail> {
  static summary = 'Print live events of your account (payments, payouts) as they happen.'
  static description =
    'One line per event: time, event, transaction id, amount, phone (masked), status or receipt, coloured by outcome. With --json, each event body (the webhook JSON) on its own line. Reconnects with Last-Event-ID when the stream drops, so nothing is missed. Ctrl-C stops it.'
  static examples = ['<%= config.bin %> tail', '<%= config.bin %> tail --events payment.failed,payout.failed', '<%= config.bin %> tail --json | jq .event']

  static flags = {
    ...connectionFlags,
    events: Flags.string({ summary: 'Only these event types (comma-separated or repeated).', options: [...EVENT_TYPES], multiple: true, delimiter: ',' }),
    'last-event-id': Flags.string({ summary: 'Replay events after this id (evt_…) first, then follow.' }),
  }

  async run(): Promise<void> {
    const json = this.jsonEnabled()
    const signals = this.watchStops()
    const [{ createEventTail }, { loadStyle }, { formatEventLine }] = await Promise.all([
      import('../services/tail-events.js'),
      import('../cli/style.js'),
      import('../cli/event-line.js'),
    ])
    const style = await loadStyle(process.stdout)
    const err = await loadStyle(process.stderr)
    const tail = createEventTail({
      client: await this.client(),
      events: this.flags.events,
      lastEventId: this.flags['last-event-id'],
      onEvent: (e) => {
        if (e.type === 'event') {
          process.stdout.write(`${json ? e.raw : formatEventLine(e.body, style)}\n`)
        } else if (e.type === 'connected') {
          process.stderr.write(err.dim(e.resumedFrom ? `Reconnected; resumed after ${e.resumedFrom}.\n` : 'Connected; waiting for events (Ctrl-C to stop).\n'))
        } else {
          process.stderr.write(err.yellow(`Stream dropped (${e.reason}); reconnecting in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt})…\n`))
        }
      },
    })
    signals.onStop(() => tail.close())
    if (!signals.requested) await tail.run()
  }
}
