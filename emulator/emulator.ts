import { CallbackSender, type CallbackEntry, type CallbackKind } from './callbacks.js'
import { ControlError } from './errors.js'
import { FaultBook } from './faults.js'
import { IdFactory } from './ids.js'
import { credentialsOf, type EmulatorConfig, type EmulatorCredentials } from './options.js'
import { b2cResultBody, stkCallbackBody } from './payloads.js'
import { stkResultDesc } from './result-codes.js'
import { ScenarioBook } from './scenarios.js'
import { SpikeArrest } from './spike-arrest.js'
import { EmulatorState, type B2cTransaction, type RequestEntry, type StkTransaction } from './state.js'
import { findB2c, statusResultBody, type StatusQuery } from './transaction-status.js'

/** The control API's view of an STK transaction. */
export interface StkTransactionView {
  checkout_request_id: string
  merchant_request_id: string
  phone: string
  amount: number
  callback_url: string
  status: 'pending' | 'held' | 'completed'
  outcome: string
  result_code: number | null
  result_desc: string | null
  receipt: string | null
  created_at: string
  completed_at: string | null
}

export function stkView(txn: StkTransaction): StkTransactionView {
  return {
    checkout_request_id: txn.checkoutRequestId,
    merchant_request_id: txn.merchantRequestId,
    phone: txn.phone,
    amount: txn.amount,
    callback_url: txn.callbackUrl,
    status: txn.status,
    outcome: txn.outcome.name,
    result_code: txn.resultCode,
    result_desc: txn.resultDesc,
    receipt: txn.receipt,
    created_at: txn.createdAt.toISOString(),
    completed_at: txn.completedAt?.toISOString() ?? null,
  }
}

/** One emulator instance's behaviour: state, scenarios, faults and callbacks. No globals. */
export class Emulator {
  readonly config: EmulatorConfig
  readonly credentials: EmulatorCredentials
  readonly ids = new IdFactory()
  readonly state: EmulatorState
  readonly scenarios: ScenarioBook
  /** Daraja's per-endpoint rate limit, in the sandbox profile only. */
  readonly spikeArrest: SpikeArrest | undefined
  readonly faults = new FaultBook()
  readonly callbacks: CallbackSender
  readonly #requestListeners = new Set<(entry: RequestEntry) => void>()
  /** Bumped by reset(): work scheduled before a reset never completes after it. */
  #epoch = 0
  #clockOffsetMs = 0

  constructor(config: EmulatorConfig) {
    this.config = config
    this.credentials = credentialsOf(config)
    this.state = new EmulatorState(config)
    this.scenarios = new ScenarioBook(config)
    this.spikeArrest = config.spikeArrest ? new SpikeArrest(config.spikeArrest) : undefined
    this.callbacks = new CallbackSender({ timeoutMs: config.callbackTimeoutMs, maxJournal: config.maxJournal, now: () => this.now() })
  }

  /** The emulator's clock: the configured clock moved forward by every `advanceClock`. */
  now(): Date {
    return new Date(this.config.now().getTime() + this.#clockOffsetMs)
  }

  /**
   * Moves the emulator's clock forward: tokens age, and every callback due by then is sent at once.
   * This is how tests (and the control API) see the sandbox profile's 26-second timeout without waiting.
   */
  advanceClock(ms: number): Date {
    this.#clockOffsetMs += ms
    this.callbacks.runDue()
    return this.now()
  }

  // --- tokens ---------------------------------------------------------------------------------

  issueToken(): string {
    const token = this.ids.accessToken()
    this.state.tokens.set(token, this.now().getTime() + this.config.tokenTtlS * 1000)
    return token
  }

  /** Every issued token stays valid until it expires (a new one does not revoke the old: see README). */
  tokenValid(token: string): boolean {
    const expires = this.state.tokens.get(token)
    if (expires === undefined) return false
    if (expires <= this.now().getTime()) {
      this.state.tokens.delete(token)
      return false
    }
    return true
  }

  // --- journal ------------------------------------------------------------------------------------

  onRequest(listener: (entry: RequestEntry) => void): () => void {
    this.#requestListeners.add(listener)
    return () => this.#requestListeners.delete(listener)
  }

  onCallback(listener: (entry: CallbackEntry) => void): () => void {
    return this.callbacks.onCallback(listener)
  }

  record(entry: RequestEntry): void {
    this.state.requests.push(entry)
    for (const listener of this.#requestListeners) listener(entry)
  }

  // --- STK ----------------------------------------------------------------------------------------

  startStk(txn: StkTransaction): void {
    this.state.stk.set(txn.checkoutRequestId, txn)
    if (txn.outcome.hold) return
    const delay = txn.outcome.delayMs ?? this.config.callbackDelayMs
    const epoch = this.#epoch
    // Completes even if the bounded state has evicted it meanwhile: an accepted push always gets its callback.
    this.callbacks.schedule(delay, () => {
      if (epoch === this.#epoch) this.#completeStk(txn, txn.outcome.resultCode, txn.outcome.resultDesc)
    })
  }

  /** Finishes a held prompt with a result code; the callback goes out at once. */
  resolveStk(checkoutRequestId: string, resultCode: number, resultDesc?: string): StkTransactionView {
    const txn = this.state.stk.get(checkoutRequestId)
    if (!txn) {
      throw new ControlError(404, `no STK transaction ${checkoutRequestId}`, 'Check the CheckoutRequestID returned by the STK push (the emulator forgets transactions on reset).')
    }
    if (txn.status !== 'held') {
      throw new ControlError(
        409,
        `STK transaction ${checkoutRequestId} is not held (it is ${txn.status})`,
        'Only prompts to a held number (254700000008, or a scenario with "hold": true) wait to be resolved.',
      )
    }
    this.#completeStk(txn, resultCode, resultDesc ?? stkResultDesc(resultCode))
    return stkView(txn)
  }

  #completeStk(txn: StkTransaction, resultCode: number, resultDesc: string): void {
    const now = this.now()
    txn.status = 'completed'
    txn.resultCode = resultCode
    txn.resultDesc = resultDesc
    txn.completedAt = now
    if (resultCode === 0) txn.receipt = this.ids.receipt(now)
    if (txn.outcome.callback === 'none') return
    this.#sendCallback({
      kind: 'stk',
      url: txn.callbackUrl,
      transactionId: txn.checkoutRequestId,
      headers: { 'content-type': 'application/json;charset=UTF-8', BusinessShortCode: txn.shortcode },
      body: stkCallbackBody(txn),
      copies: txn.outcome.callback === 'twice' ? 2 : 1,
    })
  }

  // --- B2C ----------------------------------------------------------------------------------------

  startB2c(txn: B2cTransaction): void {
    this.state.b2c.set(txn.conversationId, txn)
    const delay = txn.outcome.delayMs ?? this.config.callbackDelayMs
    const epoch = this.#epoch
    this.callbacks.schedule(delay, () => {
      if (epoch === this.#epoch) this.#completeB2c(txn)
    })
  }

  #completeB2c(txn: B2cTransaction): void {
    txn.status = 'completed'
    txn.resultCode = txn.outcome.resultCode
    txn.resultDesc = txn.outcome.resultDesc
    txn.completedAt = this.now()
    if (txn.resultCode === 0) {
      this.state.utilityBalance = Math.round((this.state.utilityBalance - txn.amount) * 100) / 100
      txn.utilityBalanceAfter = this.state.utilityBalance
    }
    if (txn.outcome.callback === 'none') return
    this.#sendCallback({
      kind: 'b2c_result',
      url: txn.resultUrl,
      transactionId: txn.conversationId,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      body: b2cResultBody(txn),
      copies: txn.outcome.callback === 'twice' ? 2 : 1,
    })
  }

  // --- Transaction Status ------------------------------------------------------------------------

  /** Answers an accepted query after the callback delay, from the B2C's state at that moment. */
  startTransactionStatus(query: StatusQuery): void {
    const epoch = this.#epoch
    this.callbacks.schedule(this.config.callbackDelayMs, () => {
      if (epoch !== this.#epoch) return
      const body = statusResultBody(query, findB2c(this.state.b2c.values(), query), this.now())
      if (!body) return
      this.#sendCallback({
        kind: 'transaction_status_result',
        url: query.resultUrl,
        transactionId: query.conversationId,
        headers: { 'content-type': 'application/json;charset=UTF-8' },
        body,
        copies: 1,
      })
    })
  }

  #sendCallback(callback: { kind: CallbackKind; url: string; transactionId: string; headers: Record<string, string>; body: unknown; copies: number }): void {
    const action = this.faults.takeCallbackAction(callback.kind)
    this.callbacks.send({
      ...callback,
      copies: action === 'duplicate' ? callback.copies + 1 : callback.copies,
      drop: action === 'drop',
    })
  }

  // --- lifecycle ----------------------------------------------------------------------------------

  /** Forgets transactions, journals, scenarios and faults, and cancels pending callbacks. Issued tokens stay valid. */
  reset(): void {
    this.#epoch += 1
    this.callbacks.cancelAll()
    this.callbacks.journal.clear()
    this.state.reset()
    this.scenarios.clear()
    this.faults.clear()
    this.spikeArrest?.clear()
  }
}
