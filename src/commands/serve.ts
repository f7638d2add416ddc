import { Flags } from '@oclif/core'
import { StreamingCommand } from '../cli/streaming-command.js'
import { serveGateway } from '../services/serve-gateway.js'

export default class Serve extends StreamingCommand<typeof Serve> {
  static summary = 'Start the gateway (on the bundled Daraja emulator unless Daraja credentials are set).'
  static description = `Serves the merchant REST API. With no DARAJA_* settings it starts the bundled emulator in-process and needs no configuration. Settings come from the environment (PORT, HOST, MPG_DATA_DIR, DATABASE_URL, DARAJA_*, PUBLIC_SITE_URL, PLATFORM_FEE_PERCENT and MPG_*: each one with its default in the README's Configuration table); flags win over them. Stops cleanly on Ctrl-C or SIGTERM.`
  static examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 0 --json', 'DARAJA_ENV=sandbox DARAJA_CONSUMER_KEY=… PUBLIC_SITE_URL=https://pay.example.com <%= config.bin %> serve']

  static flags = {
    port: Flags.integer({ summary: 'Port to listen on (env PORT; default 8787; 0 picks a free one).', min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Address to listen on (env HOST; default 127.0.0.1).' }),
    'data-dir': Flags.string({ summary: 'Where the store and admin token live (env MPG_DATA_DIR; default ./.mpg).' }),
    'database-url': Flags.string({
      summary: 'PostgreSQL store shared by several gateway processes (env DATABASE_URL; needs MPG_SEAL_KEY and MPG_ADMIN_TOKEN).',
    }),
  }

  async run(): Promise<void> {
    const json = this.jsonEnabled()
    const stops = this.watchStops()
    await serveGateway(this.flags, {
      json,
      signal: stops.signal,
      events: {
        ready: (info) => {
          if (json) return this.line({ type: 'ready', event: 'ready', ...info, dashboard_url: `${info.url}/dashboard` })
          this.log(`mpesa-gateway listening on ${info.url} (dashboard: ${info.url}/dashboard)`)
          this.log(`Daraja: ${info.daraja_env}${info.daraja_url ? ` (${info.daraja_url})` : ''}`)
          if (info.key) {
            this.log(`First start: created account ${info.account_id} and API key`)
            this.log(`  ${info.key}`)
            this.log('This key is shown once: store it now (e.g. export MPG_API_KEY=…).')
          }
          if (info.admin_token_file) this.log(`Admin token: ${info.admin_token_file}`)
          if (info.test_mode) this.log('Test mode: time can be moved ahead with `mpg emulator clock advance 24h`.')
          this.log('Press Ctrl-C to stop.')
        },
        stopped: () => (json ? this.line({ type: 'stopped', event: 'stopped' }) : this.log('Stopped.')),
      },
    })
  }
}
