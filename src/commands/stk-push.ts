import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { amountFlag, connectionFlags, phoneFlag } from '../cli/flags.js'
import { askForMissing } from '../cli/prompt.js'
import { stkPushBodySchema, idempotencyKeySchema } from '../schemas/gateway.js'
import { isMpgError, MpgError } from '../errors.js'
import { stkPushService, type StkPushOutcome } from '../services/stk-push.js'

const parseWith = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } }) => (text: string): T => {
  const parsed = schema.safeParse(text)
  if (!parsed.success) throw new Error(parsed.error.issues[0].message)
  return parsed.data
}

const parseReference = parseWith(stkPushBodySchema.shape.reference)
const parseDescription = parseWith(stkPushBodySchema.shape.description)
const parsePhone = parseWith(stkPushBodySchema.shape.phone)
const parseAmount = (text: string) => {
  const value = /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN
  return parseWith(stkPushBodySchema.shape.amount)(value as unknown as string)
}

export default class StkPush extends BaseCommand<typeof StkPush> {
  static summary = 'Start an M-Pesa STK push (payment prompt) and optionally wait for its outcome.'
  static description = `Prints the new transaction. With --wait it follows the transaction (event stream, falling back to polling) to its final state and exits 0 only when it is paid, 9 (PAYMENT_FAILED) when it failed, 10 (TIMEOUT) when it is still pending at --timeout. Missing flags are asked for at a terminal; without one they are a usage error.`
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
    const ctx = { canPrompt: this.canPrompt(), usage: 'mpg stk-push' }
    const phone = flags.phone ?? (await askForMissing({ flag: 'phone', message: 'Customer phone (e.g. 254708374149):', parse: parsePhone }, ctx))
    const amount = flags.amount ?? (await askForMissing({ flag: 'amount', message: 'Amount in KES:', parse: parseAmount }, ctx))
    const reference = parseFlag('reference', flags.reference ?? (await askForMissing({ flag: 'reference', message: 'Reference (max 40):', parse: parseReference }, ctx)), parseReference)
    const description = parseFlag('description', flags.description ?? (await askForMissing({ flag: 'description', message: 'Description (max 60):', parse: parseDescription }, ctx)), parseDescription)
    const idempotencyKey = flags['idempotency-key'] === undefined ? undefined : parseFlag('idempotency-key', flags['idempotency-key'], parseWith(idempotencyKeySchema))
    const input = { phone, amount, reference, description, idempotencyKey }

    if (!flags.wait) {
      const pushed = await stkPushService(flags, input)
      this.printPushed(pushed)
      return pushed
    }

    const { startSpinner } = await import('../cli/spinner.js')
    const people = !this.jsonEnabled()
    const spinner = startSpinner('Sending the STK push…', { enabled: people, plain: false })
    const controller = new AbortController()
    const stop = () => controller.abort()
    process.once('SIGINT', stop)
    let via = 'event stream'
    try {
      const outcome = await stkPushService(flags, input, {
        timeoutMs: flags.timeout * 1000,
        signal: controller.signal,
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
      this.log(`Paid: receipt ${t.mpesa_receipt_number ?? '-'} (${t.result_desc ?? 'success'})`)
      return outcome
    } catch (error) {
      spinner.stop()
      throw error
    } finally {
      process.off('SIGINT', stop)
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

function parseFlag<T>(flag: string, value: T | string, parse: (text: string) => T): T {
  if (typeof value !== 'string') return value
  try {
    return parse(value)
  } catch (error) {
    throw new MpgError('usage', `Invalid --${flag}: ${(error as Error).message}.`, { suggestion: `Correct --${flag} (see \`mpg stk-push --help\`).` })
  }
}
