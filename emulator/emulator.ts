import { c2bNotificationBody, readValidationAnswer, type C2bPayment } from './c2b.js'
import { CallbackSender, type CallbackEntry, type CallbackKind } from './callbacks.js'
import { ControlError } from './errors.js'
import { FaultBook } from './faults.js'
import { IdFactory } from './ids.js'
import { credentialsOf, type EmulatorConfig, type EmulatorCredentials } from './options.js'
import { b2cResultBody, stkCallbackBody } from './payloads.js'
import { b2cResultDesc, stkResultDesc } from './result-codes.js'
import { balanceResultBody, noTransactionId, reversalResultBody, type BalanceQuery, type ReversalRequest } from './org-results.js'
import { BALANCE_OUTCOMES, REVERSAL_OUTCOMES, ScenarioBook } from './scenarios.js'
import { SpikeArrest } from './spike-arrest.js'
import { EmulatorState, type B2cTransaction, type RequestEntry, type StkTransaction } from './state.js'
import { findB2c, statusResultBody, type StatusQuery } from './transaction-status.js'

/** How long a push's answer waits for a callback that must overtake it (Daraja never waits for the merchant). */
const ACK_AFTER_CALLBACK_CAP_MS = 1000

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
    this.callbacks = new CallbackSender({ timeoutMs: config.callbackTimeoutMs, maxJournal: config.maxJournal, nowMs: () => this.nowMs(), clock: config.clock })
  }

  /** The emulator's clock: the configured clock moved forward by every `advanceClock`. */
  now(): Date {
    return new Date(this.nowMs())
  }

  /** The same as `now().getTime()`, without making two Dates (a request reads the time several times). */
  nowMs(): number {
    // Truncated as a Date's time value is, so that both read the same for any clock or offset.
    return Math.trunc(this.config.nowMs() + this.#clockOffsetMs)
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
    this.state.tokens.set(token, this.nowMs() + this.config.tokenTtlS * 1000)
    return token
  }

  /** Every issued token stays valid until it expires (a new one does not revoke the old: see README). */
  tokenValid(token: string): boolean {
    const expires = this.state.tokens.get(token)
    if (expires === undefined) return false
    if (expires <= this.nowMs()) {
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
    // A for…of over a Set makes an iterator, even an empty one's (twice per payment without listeners).
    if (this.#requestListeners.size !== 0) for (const listener of this.#requestListeners) listener(entry)
  }

  // --- STK ----------------------------------------------------------------------------------------

  /**
   * Takes an accepted push. Returns what the push's answer must wait for: the callback, when a
   * scenario makes it overtake the answer (capped, since Daraja never waits for the merchant).
   */
  startStk(txn: StkTransaction): Promise<unknown> | undefined {
    this.state.stk.set(txn.checkoutRequestId, txn)
    if (txn.outcome.hold) return undefined
    if (txn.outcome.ackAfterCallback) {
      const sent = this.#completeStk(txn, txn.outcome.resultCode, txn.outcome.resultDesc)
      return Promise.race([sent, new Promise((resolve) => setTimeout(resolve, ACK_AFTER_CALLBACK_CAP_MS).unref())])
    }
    const delay = txn.outcome.delayMs ?? this.config.callbackDelayMs
    const epoch = this.#epoch
    // Completes even if the bounded state has evicted it meanwhile: an accepted push always gets its callback.
    this.callbacks.schedule(delay, () => {
      if (epoch === this.#epoch) void this.#completeStk(txn, txn.outcome.resultCode, txn.outcome.resultDesc)
    })
    return undefined
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
    void this.#completeStk(txn, resultCode, resultDesc ?? stkResultDesc(resultCode))
    return stkView(txn)
  }

  /** Records the result and sends its callback; the promise ends when the callback has been answered. */
  #completeStk(txn: StkTransaction, resultCode: number, resultDesc: string): Promise<unknown> {
    const now = this.now()
    txn.status = 'completed'
    txn.resultCode = resultCode
    txn.resultDesc = resultDesc
    txn.completedAt = now
    this.state.stkFinished(txn)
    if (resultCode === 0) {
      txn.receipt = this.ids.receipt(now)
      this.state.ledgers.receive({ receipt: txn.receipt, kind: 'stk', shortcode: txn.partyB, msisdn: txn.phone, amount: txn.amount })
    }
    this.#scheduleLateSuccess(txn, resultCode)
    if (txn.outcome.callback === 'none') return Promise.resolve()
    return this.#sendCallback({
      kind: 'stk',
      url: txn.callbackUrl,
      transactionId: txn.checkoutRequestId,
      headers: { 'content-type': 'application/json;charset=UTF-8', BusinessShortCode: txn.shortcode },
      body: stkCallbackBody(txn),
      copies: txn.outcome.callback === 'twice' ? 2 : 1,
    })
  }

  /** The real network sometimes reports a failure (1037) and then a success for the same prompt. */
  #scheduleLateSuccess(txn: StkTransaction, resultCode: number): void {
    const lateMs = txn.outcome.lateSuccessMs
    if (lateMs === undefined || resultCode === 0) return
    txn.outcome = { ...txn.outcome, lateSuccessMs: undefined }
    const epoch = this.#epoch
    this.callbacks.schedule(lateMs, () => {
      if (epoch === this.#epoch) void this.#completeStk(txn, 0, stkResultDesc(0))
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
    this.state.b2cFinished(txn)
    if (txn.resultCode === 0) {
      const paid = this.state.ledgers.payOut({ receipt: txn.transactionId, shortcode: txn.partyA, msisdn: txn.partyB, amount: txn.amount })
      if (!paid) {
        txn.resultCode = 1
        txn.resultDesc = b2cResultDesc(1)
      }
    }
    txn.utilityBalanceAfter = this.state.ledgers.of(txn.partyA).utility
    if (txn.outcome.callback === 'none') return
    void this.#sendCallback({
      kind: 'b2c_result',
      url: txn.resultUrl,
      transactionId: txn.conversationId,
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      body: b2cResultBody(txn),
      copies: txn.outcome.callback === 'twice' ? 2 : 1,
    })
  }

  // --- C2B ----------------------------------------------------------------------------------------

  /**
   * A simulated customer payment. After the callback delay M-Pesa asks the shortcode's validation
   * URL: "0" accepts, another ResultCode rejects, and no answer within the validation timeout
   * applies the registered ResponseType (Completed: the payment goes through; Cancelled: it does
   * not). A payment that goes through lands in the shortcode's ledger and is confirmed.
   */
  startC2b(input: { shortcode: string; commandId: C2bPayment['commandId']; amount: number; msisdn: string; billRefNumber: string }): C2bPayment {
    const now = this.now()
    const payment: C2bPayment = { ...input, transId: this.ids.receipt(now), status: 'pending', validation: null, validationResultCode: null, thirdPartyTransId: '', createdAt: now, completedAt: null }
    this.state.c2b.set(payment.transId, payment)
    const forced = this.scenarios.org('c2b', input.msisdn)
    const epoch = this.#epoch
    this.callbacks.schedule(forced?.delayMs ?? this.config.callbackDelayMs, () => {
      if (epoch !== this.#epoch) return
      const registration = this.state.c2bRegistrations.get(payment.shortcode)
      if (!registration || forced?.callback === 'none') {
        // No URLs to call (or Daraja lost the notifications, as the sandbox does): nothing is sent.
        payment.status = 'lost'
        payment.completedAt = this.now()
        return
      }
      const action = this.faults.takeCallbackAction('c2b_validation')
      this.callbacks.exchange(
        {
          kind: 'c2b_validation',
          url: registration.validationUrl,
          transactionId: payment.transId,
          headers: { 'content-type': 'application/json;charset=UTF-8' },
          body: c2bNotificationBody(payment, registration.version, this.now(), null),
          copies: 1,
          drop: action === 'drop',
          timeoutMs: this.config.c2bValidationTimeoutMs,
        },
        (entry) => {
          const answer = readValidationAnswer(entry.response)
          payment.validation = answer.verdict
          payment.validationResultCode = answer.resultCode
          payment.thirdPartyTransId = answer.thirdPartyTransId
          payment.completedAt = this.now()
          const goesThrough = answer.verdict === 'accepted' || (answer.verdict === 'no_answer' && registration.responseType === 'Completed')
          if (!goesThrough) {
            payment.status = answer.verdict === 'rejected' ? 'rejected' : 'cancelled'
            return
          }
          payment.status = 'completed'
          this.state.ledgers.receive({ receipt: payment.transId, kind: 'c2b', shortcode: payment.shortcode, msisdn: payment.msisdn, amount: payment.amount })
          void this.#sendCallback({
            kind: 'c2b_confirmation',
            url: registration.confirmationUrl,
            transactionId: payment.transId,
            headers: { 'content-type': 'application/json;charset=UTF-8' },
            body: c2bNotificationBody(payment, registration.version, payment.completedAt, this.state.ledgers.of(payment.shortcode).utility),
            copies: forced?.callback === 'twice' ? 2 : 1,
          })
        },
      )
    })
    return payment
  }

  // --- Account Balance and Reversal ------------------------------------------------------------

  /** Reads `PartyA`'s ledger after the callback delay and posts it to ResultURL. */
  startAccountBalance(query: BalanceQuery): void {
    const forced = this.scenarios.org('balance')
    const epoch = this.#epoch
    this.callbacks.schedule(forced?.delayMs ?? this.config.callbackDelayMs, () => {
      if (epoch !== this.#epoch) return
      const verdict = forced ?? (query.credentialsOk ? BALANCE_OUTCOMES.success : BALANCE_OUTCOMES.initiator_invalid)
      const now = this.now()
      const body = balanceResultBody(query, verdict, this.state.ledgers.of(query.shortcode), noTransactionId(this.ids.receipt(now)), now)
      if (forced?.callback === 'none') return
      this.#sendResult('account_balance_result', query.resultUrl, query.conversationId, body, forced?.callback === 'twice' ? 2 : 1)
    })
  }

  /**
   * Reverses a payment after the callback delay: the receipt must be an STK or C2B payment into
   * `ReceiverParty` that is not reversed yet (else R000002 / R000001). The money leaves that
   * shortcode's Utility Account.
   */
  startReversal(request: ReversalRequest): void {
    const forced = this.scenarios.org('reversal')
    const epoch = this.#epoch
    this.callbacks.schedule(forced?.delayMs ?? this.config.callbackDelayMs, () => {
      if (epoch !== this.#epoch) return
      const now = this.now()
      const payment = this.state.ledgers.payments.get(request.transactionId)
      const reversible = payment && payment.kind !== 'b2c' && payment.shortcode === request.receiverParty
      let verdict = forced
      if (!verdict) {
        if (!request.credentialsOk) verdict = REVERSAL_OUTCOMES.initiator_invalid
        else if (!reversible) verdict = REVERSAL_OUTCOMES.invalid_transaction
        else if (payment.reversed) verdict = REVERSAL_OUTCOMES.already_reversed
        else verdict = REVERSAL_OUTCOMES.success
      }
      let reversed: Parameters<typeof reversalResultBody>[2]
      if (verdict.resultCode === 0 && reversible && !payment.reversed) {
        this.state.ledgers.reverse(payment)
        reversed = { payment, accounts: this.state.ledgers.of(payment.shortcode), receipt: this.ids.receipt(now) }
      }
      const body = reversalResultBody(request, verdict, reversed, noTransactionId(this.ids.receipt(now)), now)
      if (forced?.callback === 'none') return
      this.#sendResult('reversal_result', request.resultUrl, request.conversationId, body, forced?.callback === 'twice' ? 2 : 1)
    })
  }

  #sendResult(kind: CallbackKind, url: string, transactionId: string, body: unknown, copies: number): void {
    void this.#sendCallback({ kind, url, transactionId, headers: { 'content-type': 'application/json;charset=UTF-8' }, body, copies })
  }

  // --- Transaction Status ------------------------------------------------------------------------

  /** Answers an accepted query after the callback delay, from the B2C's state at that moment. */
  startTransactionStatus(query: StatusQuery): void {
    const epoch = this.#epoch
    this.callbacks.schedule(this.config.callbackDelayMs, () => {
      if (epoch !== this.#epoch) return
      const body = statusResultBody(query, findB2c(this.state.b2c.values(), query), this.now())
      if (!body) return
      void this.#sendCallback({
        kind: 'transaction_status_result',
        url: query.resultUrl,
        transactionId: query.conversationId,
        headers: { 'content-type': 'application/json;charset=UTF-8' },
        body,
        copies: 1,
      })
    })
  }

  #sendCallback(callback: { kind: CallbackKind; url: string; transactionId: string; headers: Record<string, string>; body: unknown; copies: number }): Promise<unknown> {
    const action = this.faults.takeCallbackAction(callback.kind)
    // A literal, not a spread that adds `drop` (V8's slow path, ~1 µs per callback).
    return this.callbacks.send({
      kind: callback.kind,
      url: callback.url,
      transactionId: callback.transactionId,
      headers: callback.headers,
      body: callback.body,
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
