import { z } from 'zod'
import type { DarajaErrorSpec } from './errors.js'

/** The Daraja endpoints a fault can target; `any` means all of them. */
export const FAULT_ENDPOINTS = ['oauth', 'stk_push', 'stk_query', 'b2c', 'transaction_status', 'account_balance', 'reversal', 'c2b', 'any'] as const
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number]

const count = z.number().int().min(1).optional()

/** Which callbacks a callback fault applies to. */
export const CALLBACK_TARGETS = ['stk', 'b2c_result', 'transaction_status_result', 'account_balance_result', 'reversal_result', 'c2b_validation', 'c2b_confirmation', 'any'] as const
export type CallbackTarget = (typeof CALLBACK_TARGETS)[number]

/** What a forced Transaction Status result says instead of the truth. */
export const TRANSACTION_STATUS_OUTCOMES = ['not_found', 'failed', 'no_result'] as const
export type TransactionStatusOutcome = (typeof TRANSACTION_STATUS_OUTCOMES)[number]

/** Body of `POST /__emulator/faults`. */
export const faultInputSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('error'),
      endpoint: z.enum(FAULT_ENDPOINTS),
      status: z.number().int().min(400).max(599).default(500),
      errorCode: z.string().min(1).default('500.003.1001'),
      errorMessage: z.string().default('Internal Server Error'),
      count,
    })
    .strict(),
  z.object({ kind: z.literal('latency'), endpoint: z.enum(FAULT_ENDPOINTS), ms: z.number().int().min(1).max(120_000), count }).strict(),
  z.object({ kind: z.literal('callback'), action: z.enum(['drop', 'duplicate']), target: z.enum(CALLBACK_TARGETS).default('any'), count }).strict(),
  /** The connection is destroyed without an answer; `after: true` first lets Daraja act (a lost answer). */
  z.object({ kind: z.literal('reset'), endpoint: z.enum(FAULT_ENDPOINTS), after: z.boolean().default(false), count }).strict(),
  z
    .object({
      kind: z.literal('transaction_status'),
      outcome: z.enum(TRANSACTION_STATUS_OUTCOMES),
      result_code: z.number().int().optional(),
      result_desc: z.string().min(1).optional(),
      count,
    })
    .strict()
    .refine((v) => v.outcome === 'failed' || (v.result_code === undefined && v.result_desc === undefined), {
      message: '"result_code" and "result_desc" apply to outcome "failed" only',
    }),
])
export type FaultInput = z.input<typeof faultInputSchema>

export type Fault =
  | { id: string; kind: 'error'; endpoint: FaultEndpoint; status: number; errorCode: string; errorMessage: string; remaining: number | null }
  | { id: string; kind: 'latency'; endpoint: FaultEndpoint; ms: number; remaining: number | null }
  | { id: string; kind: 'callback'; action: 'drop' | 'duplicate'; target: CallbackTarget; remaining: number | null }
  | { id: string; kind: 'reset'; endpoint: FaultEndpoint; after: boolean; remaining: number | null }
  | { id: string; kind: 'transaction_status'; outcome: TransactionStatusOutcome; result_code: number | null; result_desc: string | null; remaining: number | null }

/** A forced Transaction Status result, as the emulator applies it. */
export interface ForcedTransactionStatus {
  outcome: TransactionStatusOutcome
  resultCode: number | null
  resultDesc: string | null
}

/** Active faults of one emulator instance. A fault with `remaining: null` lasts until cleared. */
export class FaultBook {
  #faults: Fault[] = []
  #seq = 0

  add(raw: FaultInput): Fault {
    const input = faultInputSchema.parse(raw)
    const id = `flt_${++this.#seq}`
    const remaining = input.count ?? null
    let fault: Fault
    if (input.kind === 'error') {
      const { endpoint, status, errorCode, errorMessage } = input
      fault = { id, kind: 'error', endpoint, status, errorCode, errorMessage, remaining }
    } else if (input.kind === 'latency') {
      fault = { id, kind: 'latency', endpoint: input.endpoint, ms: input.ms, remaining }
    } else if (input.kind === 'callback') {
      fault = { id, kind: 'callback', action: input.action, target: input.target, remaining }
    } else if (input.kind === 'reset') {
      fault = { id, kind: 'reset', endpoint: input.endpoint, after: input.after, remaining }
    } else {
      const { outcome } = input
      fault = { id, kind: 'transaction_status', outcome, result_code: input.result_code ?? null, result_desc: input.result_desc ?? null, remaining }
    }
    this.#faults.push(fault)
    return fault
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }))
  }

  /** Removes one fault (true if it existed), or all of them without an id. */
  clear(id?: string): boolean {
    if (id === undefined) {
      this.#faults = []
      return true
    }
    const before = this.#faults.length
    this.#faults = this.#faults.filter((f) => f.id !== id)
    return this.#faults.length < before
  }

  /** Total added latency for a request to this endpoint (each matching fault is used once). */
  takeLatency(endpoint: Exclude<FaultEndpoint, 'any'>): number {
    // Every Daraja request and callback asks four times, almost always of an empty book: no
    // array, closure or iterator made for nothing.
    if (this.#faults.length === 0) return 0
    let ms = 0
    for (const fault of this.#matching('latency', endpoint)) {
      if (fault.kind === 'latency') ms += fault.ms
      this.#use(fault)
    }
    return ms
  }

  /** The first error fault for this endpoint, used once. */
  takeError(endpoint: Exclude<FaultEndpoint, 'any'>): DarajaErrorSpec | undefined {
    if (this.#faults.length === 0) return undefined
    const fault = this.#matching('error', endpoint)[0]
    if (!fault || fault.kind !== 'error') return undefined
    this.#use(fault)
    return { status: fault.status, errorCode: fault.errorCode, errorMessage: fault.errorMessage }
  }

  /** What to do with the callback about to be sent, if a callback fault for its kind is active. */
  takeCallbackAction(kind: Exclude<CallbackTarget, 'any'>): 'drop' | 'duplicate' | undefined {
    if (this.#faults.length === 0) return undefined
    const fault = this.#faults.find((f) => f.kind === 'callback' && (f.target === kind || f.target === 'any'))
    if (!fault || fault.kind !== 'callback') return undefined
    this.#use(fault)
    return fault.action
  }

  /** The first reset fault for this endpoint, used once: whether the handler runs before the reset. */
  takeReset(endpoint: Exclude<FaultEndpoint, 'any'>): { after: boolean } | undefined {
    if (this.#faults.length === 0) return undefined
    const fault = this.#matching('reset', endpoint)[0]
    if (!fault || fault.kind !== 'reset') return undefined
    this.#use(fault)
    return { after: fault.after }
  }

  /** A forced answer for the Transaction Status query just accepted, used once. */
  takeTransactionStatus(): ForcedTransactionStatus | undefined {
    const fault = this.#faults.find((f) => f.kind === 'transaction_status')
    if (!fault || fault.kind !== 'transaction_status') return undefined
    this.#use(fault)
    return { outcome: fault.outcome, resultCode: fault.result_code, resultDesc: fault.result_desc }
  }

  #matching(kind: 'error' | 'latency' | 'reset', endpoint: string): Fault[] {
    return this.#faults.filter((f) => f.kind === kind && (f.endpoint === endpoint || f.endpoint === 'any'))
  }

  #use(fault: Fault): void {
    if (fault.remaining === null) return
    fault.remaining -= 1
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault)
  }
}
