import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { amountFlag, connectionFlags, parseAmount, parsePhone, phoneFlag } from '../cli/flags.js'
import { parseDescription, parseReference } from '../cli/overrides.js'
import { askForMissing, requirePromptable } from '../cli/prompt.js'
import { idempotencyKeySchema } from '../schemas/gateway.js'
import { isMpgError, MpgError } from '../errors.js'
import { stkPushService, type StkPushOutcome } from '../services/stk-push.js'

export default class StkPush extends BaseCommand<typeof StkPush> {
  static summary = 'Start an M-Pesa STK push (payment prompt) and optionally wait for its outcome.'
  static description = `Prints the new transaction. With --wait it follows the transaction (event stream, falling back to polling) to its final state and exits 0 only when it is paid, 9 (PAYMENT_FAILED) when it failed, 10 (TIMEOUT) when it is still pending at --timeout. Missing flags are asked for at a terminal (on stderr); without one they are a usage error naming them all. A replayed --idempotency-key shows the payment's current status.`
  static examples = [
    '<%= config.bin %> stk-push --phone 254708374149 --amount 100 --reference ORDER-1 --description T-shirt',
    '<%= config.bin %> stk-push --phone 0712345678 --amount 10 --reference ORDER-2 --description Mug --wait',
    '<%= config.bin %> stk-push --phone 254708374149 --amount 1 --reference CI-1 --description Test --idempotency-key ci-1 --wait --json',
  ]

  static flags = {
    ...connectionFlags,
    phone: phoneFlag({ summary: 'Customer phone: 2547XXXXXXXX, 07XXXXXXXX, 01XXXXXXXX or +254….' }),
    amount: amountFlag({ summary: 'Amount in whole KES, 1 to 150000.' }),
    reference: Flags.string({ summary: 'Your reference for the payment (max 40 characters).' }),
    description: Flags.string({ summary: 'Short description shown to the customer (max 60 characters).' }),
    'idempotency-key': Flags.string({ summary: 'Idempotency-Key: a retry with the same key returns the first transaction.' }),
    wait: Flags.boolean({ summary: 'Follow the payment to its final state; exit non-zero unless it is paid.' }),
    timeout: Flags.integer({ summary: 'With --wait: seconds to wait before giving up (exit 10).', default: 90, min: 1 }),
  }

  async run(): Promise<StkPushOutcome> {
    const { flags } = this
    const reference = flags.reference === undefined ? undefined : checked('reference', flags.reference, parseReference)
    const description = flags.description === undefined ? undefined : checked('description', flags.description, parseDescription)
    const idempotencyKey = flags['idempotency-key'] === undefined ? undefined : checked('idempotency-key', flags['idempotency-key'], parseIdempotencyKey)
    const ctx = { canPrompt: this.canPrompt(), usage: 'mpg stk-push' }
    const given = { phone: flags.phone, amount: flags.amount, reference, description }
    requirePromptable(
      Object.entries(given)
        .filter(([, v]) => v === undefined)
        .map(([k]) => k),
      ctx,
    )
    const input = {
      phone: given.phone ?? (await askForMissing({ flag: 'phone', message: 'Customer phone (e.g. 254708374149):', parse: parsePhone }, ctx)),
      amount: given.amount ?? (await askForMissing({ flag: 'amount', message: 'Amount in whole KES:', parse: parseAmount }, ctx)),
      reference: given.reference ?? (await askForMissing({ flag: 'reference', message: 'Reference (max 40):', parse: parseReference }, ctx)),
      description: given.description ?? (await askForMissing({ flag: 'description', message: 'Description (max 60):', parse: parseDescription }, ctx)),
      idempotencyKey,
    }
    const client = await this.client()

    if (!flags.wait) {
      const pushed = await stkPushService(client, input)
      this.printPushed(pushed)
      return pushed
    }

    const { startSpinner } = await import('../cli/spinner.js')
    const spinner = startSpinner('Sending the STK push…', { enabled: !this.jsonEnabled(), plain: false })
    const stops = this.watchStops()
    stops.onStop(() => spinner.stop())
    let via = 'event stream'
    try {
      const outcome = await stkPushService(client, input, {
        timeoutMs: flags.timeout * 1000,
        signal: stops.signal,
        onPushed: (pushed) => {
          spinner.stop()
          this.printPushed(pushed)
        },
        onProgress: (p) => {
          if (p.type === 'stream_unavailable') {
            via = 'polling'
            this.note(`Event stream unavailable (${p.reason}); polling instead.`)
          }
          if (p.type === 'watching') via = p.via === 'stream' ? 'event stream' : 'polling'
          if (p.type === 'watching' || p.type === 'read') spinner.update(`Waiting for the customer (${via})…`)
        },
      })
      spinner.stop()
      const t = outcome.transaction!
      if (outcome.replayed) this.printPushed(outcome)
      this.log(`Paid: receipt ${t.mpesa_receipt_number ?? '-'} (${t.result_desc ?? 'success'})`)
      return outcome
    } finally {
      spinner.stop()
    }
  }

  private printPushed(p: StkPushOutcome): void {
    if (this.jsonEnabled()) return
    this.log(`${p.replayed ? 'Replayed (same Idempotency-Key)' : 'Sent'}: transaction ${p.transaction_id}`)
    this.log(`  status        ${p.status}`)
    this.log(`  amount        KES ${p.amount} (fee ${p.platform_fee}, net ${p.net_amount})`)
    if (p.checkout_request_id) this.log(`  checkout id   ${p.checkout_request_id}`)
    if (p.customer_message) this.log(`  message       ${p.customer_message}`)
    if (!this.flags.wait) this.log(`Follow it: mpg transactions get ${p.transaction_id}`)
  }

  /** Under --json, a failed or timed-out wait prints the transaction beside the error. */
  protected toErrorJson(error: unknown): unknown {
    const base = super.toErrorJson(error) as { error: Record<string, unknown> }
    if (isMpgError(error) && (error.kind === 'payment_failed' || error.kind === 'timeout') && error.detail) {
      const outcome = error.detail as StkPushOutcome
      return { ...base, transaction_id: outcome.transaction_id, transaction: outcome.transaction }
    }
    return base
  }
}

function parseIdempotencyKey(text: string): string {
  const parsed = idempotencyKeySchema.safeParse(text)
  if (!parsed.success) throw new Error(parsed.error.issues[0].message)
  return parsed.data
}

/** A flag the API checks too, checked before anything is sent. */
function checked<T>(flag: string, value: string, parse: (text: string) => T): T {
  try {
    return parse(value)
  } catch (error) {
    throw new MpgError('usage', `Invalid --${flag}: ${(error as Error).message}.`, { suggestion: `Correct --${flag} (see \`mpg stk-push --help\`).` })
  }
}
