import { Flags } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { runEmulator, type EmulatorEvent } from '../../services/emulator-start.js'

export default class EmulatorStart extends BaseCommand<typeof EmulatorStart> {
  static summary = 'Start the offline Daraja emulator.'
  static description =
    'Serves Daraja (OAuth, STK push and query for paybills and tills, B2C v1/v3, Transaction Status, Account Balance, Reversal, C2B register and simulate) and a control API under /__emulator/. Prints the base URL and every credential a client needs, then one line per API call. With --json, one JSON object per line. Ctrl-C stops it.'
  static examples = [
    '<%= config.bin %> emulator start',
    '<%= config.bin %> emulator start --port 0 --json',
    '<%= config.bin %> emulator start --profile sandbox',
  ]

  static flags = {
    port: Flags.integer({ summary: 'Port to listen on (0 picks a free one).', default: 8989, min: 0, max: 65535 }),
    host: Flags.string({ summary: 'Interface to listen on.', default: '127.0.0.1' }),
    'consumer-key': Flags.string({ summary: 'Consumer key clients must send to OAuth.', env: 'MPG_EMULATOR_CONSUMER_KEY' }),
    'consumer-secret': Flags.string({ summary: 'Consumer secret clients must send to OAuth.', env: 'MPG_EMULATOR_CONSUMER_SECRET' }),
    shortcode: Flags.string({ summary: 'STK shortcode (default the sandbox paybill 174379).' }),
    passkey: Flags.string({ summary: 'STK passkey (default the public sandbox passkey).', env: 'MPG_EMULATOR_PASSKEY' }),
    profile: Flags.string({
      summary: 'fast (quick and deterministic) or sandbox (the real sandbox today: results after ~17 s, the test number 1037 after ~26 s, spike arrest on bursts).',
      options: ['fast', 'sandbox'],
      default: 'fast',
      env: 'MPG_EMULATOR_PROFILE',
    }),
    'callback-delay-ms': Flags.integer({ summary: 'Delay before each callback is sent (default 1000; 17000 with --profile sandbox).', min: 0 }),
    'token-ttl-s': Flags.integer({ summary: 'Access-token lifetime in seconds.', default: 3599, min: 1 }),
  }

  async run(): Promise<void> {
    const { flags } = this
    const stops = this.watchStops()
    await runEmulator(
      {
        port: flags.port,
        host: flags.host,
        consumerKey: flags['consumer-key'],
        consumerSecret: flags['consumer-secret'],
        shortcode: flags.shortcode,
        passkey: flags.passkey,
        profile: flags.profile as 'fast' | 'sandbox',
        callbackDelayMs: flags['callback-delay-ms'] ?? (flags.profile === 'fast' ? 1000 : undefined),
        tokenTtlS: flags['token-ttl-s'],
      },
      stops.signal,
      (event) => this.render(event),
    )
  }

  private render(event: EmulatorEvent): void {
    const json = this.jsonEnabled()
    if (json) {
      if (event.type === 'started') this.line({ type: 'ready', ...event.info })
      else if (event.type === 'request') this.line({ type: 'request', ...event.entry })
      else if (event.type === 'callback') this.line({ type: 'callback', ...event.entry })
      else this.line({ type: 'stopped' })
      return
    }
    if (event.type === 'started') {
      const i = event.info
      const rows: Array<[string, string]> = [
        ['consumer key', i.consumer_key],
        ['consumer secret', i.consumer_secret],
        ['shortcode', i.shortcode],
        ['passkey', i.passkey],
        ['B2C shortcode', i.b2c_shortcode],
        ['initiator name', i.initiator_name],
        ['security credential', i.security_credential],
      ]
      process.stdout.write(`Daraja emulator listening on ${i.url}\n\n`)
      for (const [name, value] of rows) process.stdout.write(`  ${name.padEnd(20)} ${value}\n`)
      process.stdout.write(`\nControl API at ${i.url}/__emulator/ (see emulator/README.md). Ctrl-C to stop.\n\n`)
    } else if (event.type === 'request') {
      const e = event.entry
      const body = e.response.body as Record<string, unknown> | null
      const detail = body?.errorCode ? `${body.errorCode} ${body.errorMessage}` : (body?.CheckoutRequestID ?? body?.ConversationID ?? '')
      process.stdout.write(`${clock(e.at)} ${e.method} ${e.path} ${e.status} ${e.duration_ms}ms ${detail}`.trimEnd() + '\n')
    } else if (event.type === 'callback') {
      const e = event.entry
      const outcome = e.dropped ? 'dropped (fault)' : e.response ? `${e.response.status}` : `failed: ${e.error}`
      process.stdout.write(`${clock(e.at)} → callback ${e.kind} ${e.transaction_id} POST ${e.url} ${outcome} ${e.duration_ms}ms\n`)
    } else {
      process.stderr.write('Emulator stopped.\n')
    }
  }

  private line(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`)
  }
}

/** `HH:mm:ss` of an ISO time, local to the machine running the emulator. */
function clock(iso: string): string {
  return new Date(iso).toTimeString().slice(0, 8)
}
