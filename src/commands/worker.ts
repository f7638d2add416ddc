import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { runWorker } from '../services/run-worker.js'

export default class Worker extends BaseCommand<typeof Worker> {
  static summary = 'Run the gateway\'s background work (webhooks, payouts, reconciliation) on a shared PostgreSQL database.'
  static description = `For a gateway whose API runs as a serverless fetch handler (createFetchHandler), or several instances: delivers webhooks as soon as their events are stored, retries payouts, reconciles payments whose callback never came, and prunes expired Idempotency-Keys, exactly as mpg serve does in-process. Needs the gateway's settings: DATABASE_URL, MPG_SEAL_KEY, MPG_ADMIN_TOKEN, PUBLIC_SITE_URL and the DARAJA_* credentials. Any number may run: deliveries are leased and one leader does the rest. Stops cleanly on Ctrl-C or SIGTERM.`
  static examples = ['DATABASE_URL=postgres://… MPG_SEAL_KEY=… MPG_ADMIN_TOKEN=… PUBLIC_SITE_URL=https://pay.example.com DARAJA_ENV=sandbox DARAJA_CONSUMER_KEY=… <%= config.bin %> worker', '<%= config.bin %> worker --json']

  static flags = {
    'database-url': Flags.string({ summary: 'The PostgreSQL database the gateway uses (env DATABASE_URL).' }),
  }

  /** `--json` output is NDJSON: an error that ends the stream is one line too. */
  public logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json)}\n`)
  }

  async run(): Promise<void> {
    const json = this.jsonEnabled()
    const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)
    const stops = this.watchStops()
    await runWorker(this.flags, {
      json,
      signal: stops.signal,
      events: {
        ready: (info) => {
          if (json) return out({ type: 'ready', ...info })
          this.log(`mpesa-gateway worker on ${info.database} (Daraja: ${info.daraja_env}${info.leader ? ', leader' : ''})`)
          this.log('Delivering webhooks, sending payouts, reconciling payments. Press Ctrl-C to stop.')
        },
        stopped: () => (json ? out({ type: 'stopped' }) : this.log('Stopped.')),
      },
    })
  }
}
