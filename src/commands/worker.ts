import { Flags } from '@oclif/core'
import { StreamingCommand } from '../cli/streaming-command.js'
import { runWorker } from '../services/run-worker.js'

export default class Worker extends StreamingCommand<typeof Worker> {
  static summary = 'Run the gateway\'s background work (webhooks, payouts, reconciliation) on a shared PostgreSQL database.'
  static description = `For a gateway whose API runs as a serverless fetch handler (createFetchHandler), or several instances: delivers webhooks as soon as their events are stored, retries payouts, reconciles payments whose callback never came, and prunes expired Idempotency-Keys, exactly as mpg serve does in-process. Needs the gateway's settings: DATABASE_URL, MPG_SEAL_KEY, MPG_ADMIN_TOKEN, PUBLIC_SITE_URL and the DARAJA_* credentials. Any number may run: deliveries are leased and one leader does the rest. Stops cleanly on Ctrl-C or SIGTERM.`
  static examples = ['DATABASE_URL=postgres://… MPG_SEAL_KEY=… MPG_ADMIN_TOKEN=… PUBLIC_SITE_URL=https://pay.example.com DARAJA_ENV=sandbox DARAJA_CONSUMER_KEY=… <%= config.bin %> worker', '<%= config.bin %> worker --json']

  static flags = {
    'database-url': Flags.string({ summary: 'The PostgreSQL database the gateway uses (env DATABASE_URL).' }),
  }

  async run(): Promise<void> {
    const json = this.jsonEnabled()
    const stops = this.watchStops()
    await runWorker(this.flags, {
      json,
      signal: stops.signal,
      events: {
        ready: (info) => {
          if (json) return this.line({ type: 'ready', ...info })
          this.log(`mpesa-gateway worker on ${info.database} (Daraja: ${info.daraja_env}${info.leader ? ', leader' : ''})`)
          this.log('Delivering webhooks, sending payouts, reconciling payments. Press Ctrl-C to stop.')
        },
        stopped: () => (json ? this.line({ type: 'stopped' }) : this.log('Stopped.')),
      },
    })
  }
}
