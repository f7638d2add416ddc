import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { connectionFlags } from '../cli/flags.js'
import { MpgError } from '../errors.js'
import { forwardTarget } from '../cli/forward-target.js'
import { EVENT_TYPES } from '../schemas/webhooks.js'

export default class Listen extends BaseCommand<typeof Listen> {
  static summary = 'Forward live events to a local URL, signed like real webhooks.'
  static description =
    'Prints the signing secret first: set it as your local endpoint secret. Every event is POSTed to --forward-to with the raw body byte-for-byte and both signature header sets (X-Mpesa-Gateway-Signature and the Standard Webhooks webhook-id/-timestamp/-signature) computed with that secret. The secret is generated once and kept in the config dir unless --secret is given. One line per event with the local status code and latency; a local server that is down is reported and listen keeps running. Ctrl-C stops it.'
  static examples = [
    '<%= config.bin %> listen --forward-to http://localhost:3000/webhooks/mpesa',
    '<%= config.bin %> listen --forward-to http://localhost:3000/hook --events payment.success --print-response',
    '<%= config.bin %> listen --forward-to 3000 --secret whsec_… --json',
    '<%= config.bin %> listen --print-secret',
  ]

  static flags = {
    ...connectionFlags,
    'forward-to': Flags.string({ summary: 'Where to POST each event: a port (3000), host:port/path or a full URL.' }),
    events: Flags.string({ summary: 'Only these event types (comma-separated or repeated).', options: [...EVENT_TYPES], multiple: true, delimiter: ',' }),
    secret: Flags.string({ summary: 'Sign with this secret instead of the one kept in the config dir.', env: 'MPG_LISTEN_SECRET' }),
    'print-response': Flags.boolean({ summary: "Also print the local server's response body." }),
    'print-secret': Flags.boolean({ summary: 'Print the signing secret and exit (to configure your receiver).' }),
  }

  async run(): Promise<{ secret: string; source: string; file: string | null } | void> {
    const json = this.jsonEnabled()
    const flags = this.flags
    if (flags['print-secret']) {
      const { resolveListenSecret } = await import('../services/listen-secret.js')
      const { secret, source, file } = resolveListenSecret(flags.secret)
      this.log(secret)
      return { secret, source, file: file ?? null }
    }
    if (!flags['forward-to']) {
      throw new MpgError('usage', 'Missing required flag --forward-to.', { suggestion: 'Pass the port or URL of your local endpoint, e.g. --forward-to localhost:3000/webhooks (see `mpg listen --help`).' })
    }
    const target = forwardTarget(flags['forward-to'])
    const signals = this.watchStops()
    const [{ createEventForwarder }, { resolveListenSecret }, { loadStyle, outcomeColour }, { formatEventLine }] = await Promise.all([
      import('../services/forward-events.js'),
      import('../services/listen-secret.js'),
      import('../cli/style.js'),
      import('../cli/event-line.js'),
    ])
    const { secret, source, file } = resolveListenSecret(flags.secret)
    const style = await loadStyle(process.stdout)
    const err = await loadStyle(process.stderr)
    const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)

    const forwarder = createEventForwarder({
      client: await this.client(),
      forwardTo: target.href,
      secret,
      events: flags.events,
      onEvent: (e) => {
        switch (e.type) {
          case 'connected':
            process.stderr.write(err.dim(e.resumedFrom ? `Reconnected; resumed after ${e.resumedFrom}.\n` : 'Connected; waiting for events (Ctrl-C to stop).\n'))
            return
          case 'reconnecting':
            process.stderr.write(err.yellow(`Stream dropped (${e.reason}); reconnecting in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt})…\n`))
            return
          case 'forwarded': {
            const transactionId = (e.body.data.transaction_id as string | undefined) ?? null
            if (json) {
              out({ type: 'forwarded', id: e.id, event: e.event, transaction_id: transactionId, status: e.status, duration_ms: e.durationMs, ...(flags['print-response'] ? { response: e.response } : {}) })
              return
            }
            const ok = e.status >= 200 && e.status < 300
            const code = (ok ? style.green : style.red)(`[${e.status}]`)
            this.log(`${formatEventLine(e.body, style)}  ${code} ${e.durationMs} ms`)
            if (flags['print-response'] && e.response) this.log(style.dim(`  ↳ ${e.response}`))
            return
          }
          case 'forward_failed': {
            const transactionId = (e.body.data.transaction_id as string | undefined) ?? null
            if (json) {
              out({ type: 'forward_failed', id: e.id, event: e.event, transaction_id: transactionId, error: e.error, duration_ms: e.durationMs })
              return
            }
            this.log(`${formatEventLine(e.body, style)}  ${outcomeColour(style, 'failed')(`[not delivered: ${e.error}]`)}`)
          }
        }
      },
    })
    signals.onStop(() => forwarder.close())
    if (json) out({ type: 'ready', forward_to: target.href, secret, secret_source: source })
    else {
      this.log(`Forwarding events to ${target.href}`)
      this.log(`Signing secret: ${style.bold(secret)}${source === 'flag' ? '' : style.dim(` (kept in ${file})`)}`)
    }

    if (!signals.requested) await forwarder.run()
  }
}
