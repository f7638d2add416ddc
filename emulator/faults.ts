import { z } from 'zod'
import type { DarajaErrorSpec } from './errors.js'

/** The Daraja endpoints a fault can target; `any` means all of them. */
export const FAULT_ENDPOINTS = ['oauth', 'stk_push', 'stk_query', 'b2c', 'any'] as const
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number]

const count = z.number().int().min(1).optional()

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
  z.object({ kind: z.literal('callback'), action: z.enum(['drop', 'duplicate']), count }).strict(),
])
export type FaultInput = z.input<typeof faultInputSchema>

export type Fault =
  | { id: string; kind: 'error'; endpoint: FaultEndpoint; status: number; errorCode: string; errorMessage: string; remaining: number | null }
  | { id: string; kind: 'latency'; endpoint: FaultEndpoint; ms: number; remaining: number | null }
  | { id: string; kind: 'callback'; action: 'drop' | 'duplicate'; remaining: number | null }

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
    } else {
      fault = { id, kind: 'callback', action: input.action, remaining }
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
    let ms = 0
    for (const fault of this.#matching('latency', endpoint)) {
      if (fault.kind === 'latency') ms += fault.ms
      this.#use(fault)
    }
    return ms
  }

  /** The first error fault for this endpoint, used once. */
  takeError(endpoint: Exclude<FaultEndpoint, 'any'>): DarajaErrorSpec | undefined {
    const fault = this.#matching('error', endpoint)[0]
    if (!fault || fault.kind !== 'error') return undefined
    this.#use(fault)
    return { status: fault.status, errorCode: fault.errorCode, errorMessage: fault.errorMessage }
  }

  /** What to do with the callback about to be sent, if a callback fault is active. */
  takeCallbackAction(): 'drop' | 'duplicate' | undefined {
    const fault = this.#faults.find((f) => f.kind === 'callback')
    if (!fault || fault.kind !== 'callback') return undefined
    this.#use(fault)
    return fault.action
  }

  #matching(kind: 'error' | 'latency', endpoint: string): Fault[] {
    return this.#faults.filter((f) => f.kind === kind && (f.endpoint === endpoint || f.endpoint === 'any'))
  }

  #use(fault: Fault): void {
    if (fault.remaining === null) return
    fault.remaining -= 1
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((f) => f !== fault)
  }
}
