import type { GatewayClient } from '../client/gateway-client.js'
import { MpgError } from '../errors.js'
import type { StkPushResult, Transaction } from '../schemas/gateway.js'
import { followTransaction, type FollowProgress } from './follow-transaction.js'

export interface StkPushServiceInput {
  phone: string
  amount: number
  reference: string
  description: string
  idempotencyKey?: string
}

export interface WaitOptions {
  timeoutMs: number
  signal?: AbortSignal
  onProgress?: (progress: FollowProgress) => void
  /** Follow through the event stream (default) or only by polling. */
  useStream?: boolean
}

export type StkPushOutcome = StkPushResult & {
  /** The gateway answered an earlier request with the same Idempotency-Key. */
  replayed: boolean
  /** With --wait: the transaction in its final state. */
  transaction?: Transaction
}

/**
 * `mpg stk-push`: starts a payment and, when asked, follows it to its final state. A failed payment
 * throws `payment_failed`, a payment still pending at the timeout `timeout`; both carry the
 * transaction in `detail`.
 */
export async function stkPushService(client: GatewayClient, input: StkPushServiceInput, wait?: WaitOptions & { onPushed?: (pushed: StkPushOutcome) => void }): Promise<StkPushOutcome> {
  const pushed = await client.stkPush(
    { phone: input.phone, amount: input.amount, reference: input.reference, description: input.description },
    { idempotencyKey: input.idempotencyKey },
  )
  if (pushed.replayed) {
    // The replayed body is the first answer, frozen; the payment may have moved on since.
    const current = await client.getTransaction(pushed.transaction_id)
    pushed.status = current.status
    if (!wait) return { ...pushed, transaction: current }
    if (current.status !== 'pending') return settle({ ...pushed, transaction: current }, current, wait.timeoutMs, false)
  }
  if (!wait) return pushed
  wait.onPushed?.(pushed)
  const followed = await followTransaction(client, pushed.transaction_id, {
    until: (t) => t.status !== 'pending',
    timeoutMs: wait.timeoutMs,
    useStream: wait.useStream ?? true,
    signal: wait.signal,
    onProgress: wait.onProgress,
  })
  const outcome = { ...pushed, status: followed.transaction.status, transaction: followed.transaction }
  return settle(outcome, followed.transaction, wait.timeoutMs, !followed.reached, wait.signal?.aborted)
}

/** A final state as the result; a failed payment or a wait that ran out as a typed error. */
function settle(outcome: StkPushOutcome, t: Transaction, timeoutMs: number, timedOut: boolean, stopped = false): StkPushOutcome {
  if (timedOut) {
    const when = stopped ? 'when you stopped waiting' : `after ${Math.round(timeoutMs / 1000)} s`
    throw new MpgError('timeout', `Transaction ${outcome.transaction_id} is still pending ${when}.`, {
      suggestion: `Check it later with \`mpg transactions get ${outcome.transaction_id}\` (the gateway reconciles pending payments with Daraja), or wait longer with --timeout.`,
      detail: outcome,
    })
  }
  if (t.status === 'failed') {
    throw new MpgError('payment_failed', `Payment ${t.id} failed: ${t.result_desc ?? 'no reason given'}${t.result_code ? ` (result code ${t.result_code})` : ''}.`, {
      suggestion: suggestionFor(t.result_code),
      detail: outcome,
    })
  }
  return outcome
}

function suggestionFor(code: string | null): string {
  switch (code) {
    case '1032':
      return 'The customer cancelled the prompt: ask them to try again.'
    case '1037':
      return 'The phone did not answer the prompt: check it is on and try again.'
    case '1':
      return 'The customer has too little balance: ask them to top up, or try a smaller amount.'
    case '2001':
      return 'The customer entered a wrong PIN: ask them to try again.'
    default:
      return 'See the result description; start a new payment with `mpg stk-push`.'
  }
}
