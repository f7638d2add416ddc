import { z } from 'zod'
import { DarajaErrors, type DarajaErrorSpec } from './errors.js'
import { b2cResultDesc, stkResultDesc } from './result-codes.js'

/** How many times the result callback goes out: once (Daraja), twice (a duplicate), or never. */
export type CallbackMode = 'once' | 'twice' | 'none'

export interface StkOutcome {
  name: string
  resultCode: number
  resultDesc: string
  callback: CallbackMode
  /** Stays pending until resolved through the control API. */
  hold: boolean
  /** Refused synchronously: no transaction is created. */
  syncError?: DarajaErrorSpec
  /** Overrides the emulator's callback delay. */
  delayMs?: number
  /** How a query answers before the result: HTTP 200 "4999" (today's sandbox) or the 500 `500.001.1001` form. */
  inFlightQuery?: InFlightQuery
  /** After a failure result, the network changes its mind: a success for the same CheckoutRequestID this much later. */
  lateSuccessMs?: number
  /** The result callback goes out first; the push's HTTP answer waits for it (up to a short cap). */
  ackAfterCallback?: boolean
}

export type InFlightQuery = '4999' | '500'

export interface B2cOutcome {
  name: string
  resultCode: number
  resultDesc: string
  callback: CallbackMode
  delayMs?: number
}

const stk = (name: string, resultCode: number, extra: Partial<StkOutcome> = {}): StkOutcome => ({
  name,
  resultCode,
  resultDesc: stkResultDesc(resultCode),
  callback: 'once',
  hold: false,
  ...extra,
})

/** Named STK outcomes, usable in `POST /__emulator/scenarios` as `"outcome"`. */
export const STK_OUTCOMES = {
  success: stk('success', 0),
  cancelled: stk('cancelled', 1032),
  timeout: stk('timeout', 1037),
  insufficient_funds: stk('insufficient_funds', 1),
  wrong_pin: stk('wrong_pin', 2001),
  paid_no_callback: stk('paid_no_callback', 0, { callback: 'none' }),
  subscriber_locked: stk('subscriber_locked', 1001, { syncError: DarajaErrors.subscriberLocked }),
  duplicate_callback: stk('duplicate_callback', 0, { callback: 'twice' }),
  held: stk('held', 0, { hold: true }),
  product_mismatch: stk('product_mismatch', 2028),
} satisfies Record<string, StkOutcome>
export type StkOutcomeName = keyof typeof STK_OUTCOMES

const b2c = (name: string, resultCode: number): B2cOutcome => ({ name, resultCode, resultDesc: b2cResultDesc(resultCode), callback: 'once' })

export const B2C_OUTCOMES = {
  success: b2c('success', 0),
  insufficient_funds: b2c('insufficient_funds', 1),
  initiator_invalid: b2c('initiator_invalid', 2001),
} satisfies Record<string, B2cOutcome>
export type B2cOutcomeName = keyof typeof B2C_OUTCOMES

/** The verdict of an org API forced by a scenario; Reversal's codes are strings (`R000001`). */
export interface OrgOutcome {
  name: string
  resultCode: number | string
  resultDesc: string
  callback: CallbackMode
  delayMs?: number
}
const org = (name: string, resultCode: number | string, resultDesc: string, callback: CallbackMode = 'once'): OrgOutcome => ({ name, resultCode, resultDesc, callback })

/** Account Balance outcomes a scenario can force (otherwise: the ledger, or 2001 for a wrong credential). */
export const BALANCE_OUTCOMES = {
  success: org('success', 0, 'The service request is processed successfully.'),
  initiator_invalid: org('initiator_invalid', 2001, b2cResultDesc(2001)),
  credential_locked: org('credential_locked', 8006, b2cResultDesc(8006)),
} satisfies Record<string, OrgOutcome>

/** Reversal outcomes a scenario can force (otherwise decided by the receipt: unknown, already reversed, or reversed now). */
export const REVERSAL_OUTCOMES = {
  success: org('success', 0, 'The service request is processed successfully.'),
  already_reversed: org('already_reversed', 'R000001', 'The transaction has already been reversed'),
  invalid_transaction: org('invalid_transaction', 'R000002', 'The OriginalTransactionID is invalid.'),
  initiator_invalid: org('initiator_invalid', 2001, b2cResultDesc(2001)),
} satisfies Record<string, OrgOutcome>

/** C2B simulate: the payment goes through the validation round trip, or Daraja loses its notifications. */
export const C2B_OUTCOMES = {
  success: org('success', 0, 'Accepted'),
  no_callback: org('no_callback', 0, 'Accepted', 'none'),
} satisfies Record<string, OrgOutcome>

const ORG_TABLES: Record<'b2c' | 'balance' | 'reversal' | 'c2b', Record<string, OrgOutcome>> = {
  b2c: B2C_OUTCOMES,
  balance: BALANCE_OUTCOMES,
  reversal: REVERSAL_OUTCOMES,
  c2b: C2B_OUTCOMES,
}
export const PRODUCTS = ['stk', 'b2c', 'balance', 'reversal', 'c2b'] as const
export type Product = (typeof PRODUCTS)[number]
/** Products whose scenarios can name a phone: STK and B2C by the customer's number, C2B by the payer's. */
const BY_PHONE: readonly Product[] = ['stk', 'b2c', 'c2b']

/** The test-number table (product.md §3): the phone that receives the prompt → outcome. Any other valid number succeeds. */
export const STK_TEST_NUMBERS: Record<string, StkOutcomeName> = {
  '254708374149': 'success',
  '254700000001': 'cancelled',
  '254700000002': 'timeout',
  '254700000003': 'insufficient_funds',
  '254700000004': 'wrong_pin',
  '254700000005': 'paid_no_callback',
  '254700000006': 'subscriber_locked',
  '254700000007': 'duplicate_callback',
  '254700000008': 'held',
}

/** B2C by PartyB. Any other valid number succeeds. */
export const B2C_TEST_NUMBERS: Record<string, B2cOutcomeName> = {
  '254700000003': 'insufficient_funds',
  '254700000004': 'initiator_invalid',
}

/** The sandbox's generic test number, which on the real sandbox today never pays. */
export const GENERIC_TEST_NUMBER = '254708374149'

/** How the table treats the generic test number under a profile. */
export interface TestNumberBehaviour {
  testNumberPays: boolean
  testNumberDelayMs: number
}

/*
 * The tables looked up as Maps: a phone read from a request body is a fresh string each time, and
 * an optimised `TABLE[phone]` checks the key against the one name it saw, so a new string with the
 * same digits threw the optimised code away ("wrong name"), a dozen times in 15 s of B2Cs at 600/s.
 */
const STK_BY_PHONE = new Map(Object.entries(STK_TEST_NUMBERS))
const B2C_BY_PARTY_B = new Map(Object.entries(B2C_TEST_NUMBERS))

export function defaultStkOutcome(phone: string, testNumber?: TestNumberBehaviour): StkOutcome {
  if (phone === GENERIC_TEST_NUMBER && testNumber && !testNumber.testNumberPays) {
    return { ...STK_OUTCOMES.timeout, name: 'no_response', delayMs: testNumber.testNumberDelayMs }
  }
  return STK_OUTCOMES[STK_BY_PHONE.get(phone) ?? 'success']
}

export function defaultB2cOutcome(partyB: string): B2cOutcome {
  return B2C_OUTCOMES[B2C_BY_PARTY_B.get(partyB) ?? 'success']
}

const msisdn = z.string().regex(/^254[17]\d{8}$/, 'must be a 12-digit MSISDN such as 254712345678')

/** Body of `POST /__emulator/scenarios`. */
export const scenarioInputSchema = z
  .object({
    product: z.enum(PRODUCTS).default('stk'),
    phone: msisdn.optional(),
    next: z.literal(true).optional(),
    outcome: z.string().optional(),
    result_code: z.number().int().optional(),
    result_desc: z.string().min(1).optional(),
    callback: z.enum(['once', 'twice', 'none']).optional(),
    hold: z.boolean().optional(),
    delay_ms: z.number().int().min(0).max(600_000).optional(),
    in_flight_query: z.enum(['4999', '500']).optional(),
    late_success_ms: z.number().int().min(0).max(7 * 24 * 3600 * 1000).optional(),
    ack_after_callback: z.boolean().optional(),
  })
  .strict()
  .refine((v) => (v.phone === undefined) !== (v.next === undefined), {
    message: 'give exactly one of "phone" (applies to every request for that number) or "next": true (applies to the next request only)',
  })
  .refine((v) => v.phone === undefined || BY_PHONE.includes(v.product), { message: '"phone" applies to stk, b2c and c2b; use "next": true', path: ['phone'] })
  .refine((v) => v.product === 'stk' || v.hold === undefined, { message: '"hold" applies to STK only', path: ['hold'] })
  .refine((v) => v.product === 'stk' || v.in_flight_query === undefined, { message: '"in_flight_query" applies to STK only', path: ['in_flight_query'] })
  .refine((v) => v.product === 'stk' || (v.late_success_ms === undefined && v.ack_after_callback === undefined), {
    message: '"late_success_ms" and "ack_after_callback" apply to STK only',
  })
export type ScenarioInput = z.input<typeof scenarioInputSchema>

export interface Scenario {
  id: string
  product: Product
  /** The phone it applies to, or null for "the next request". */
  phone: string | null
  outcome: string
  /** A number, except Reversal's `R000001`/`R000002` outcomes. */
  result_code: number | string
  result_desc: string
  callback: CallbackMode
  hold: boolean
  /** null: the emulator's callback delay. */
  delay_ms: number | null
  sync_error: DarajaErrorSpec | null
  /** STK: how a query answers while the prompt is open; null for other products. */
  in_flight_query: InFlightQuery | null
  /** STK: a success callback for the same CheckoutRequestID this long after a failure result; null: none. */
  late_success_ms: number | null
  /** STK: the callback is sent before the push is answered. */
  ack_after_callback: boolean
}

/** Turns control input into a stored scenario; throws a message for an unknown outcome name. */
export function buildScenario(id: string, raw: ScenarioInput): Scenario {
  const input = scenarioInputSchema.parse(raw)
  const phone = input.phone ?? null
  let base: StkOutcome
  if (input.product === 'stk') {
    if (input.outcome !== undefined) {
      const named = STK_OUTCOMES[input.outcome as StkOutcomeName]
      if (!named) throw new UnknownOutcomeError(input.outcome, Object.keys(STK_OUTCOMES))
      base = named
    } else if (input.result_code !== undefined) {
      base = stk('result_code', input.result_code)
    } else {
      base = phone ? defaultStkOutcome(phone) : STK_OUTCOMES.success
    }
  } else {
    const table = ORG_TABLES[input.product]
    let named: OrgOutcome
    if (input.outcome !== undefined) {
      named = table[input.outcome]
      if (!named) throw new UnknownOutcomeError(input.outcome, Object.keys(table))
    } else if (input.result_code !== undefined) {
      named = org('result_code', input.result_code, b2cResultDesc(input.result_code))
    } else {
      named = phone && input.product === 'b2c' ? defaultB2cOutcome(phone) : table.success
    }
    base = { ...named, resultCode: named.resultCode as number, hold: false }
  }
  const resultCode = input.result_code ?? base.resultCode
  const describe = input.product === 'stk' ? stkResultDesc : b2cResultDesc
  const resultDesc = input.result_desc ?? (input.result_code !== undefined && input.result_code !== base.resultCode ? describe(resultCode) : base.resultDesc)
  return {
    id,
    product: input.product,
    phone,
    outcome: base.name,
    result_code: resultCode,
    result_desc: resultDesc,
    callback: input.callback ?? base.callback,
    hold: input.hold ?? base.hold,
    delay_ms: input.delay_ms ?? null,
    sync_error: base.syncError ?? null,
    in_flight_query: input.product === 'stk' ? (input.in_flight_query ?? '4999') : null,
    late_success_ms: input.late_success_ms ?? null,
    ack_after_callback: input.ack_after_callback ?? false,
  }
}

export class UnknownOutcomeError extends Error {
  constructor(
    readonly outcome: string,
    readonly known: string[],
  ) {
    super(`unknown outcome "${outcome}"; known: ${known.join(', ')}`)
  }
}

export function stkOutcomeOf(s: Scenario): StkOutcome {
  return {
    name: s.outcome,
    resultCode: Number(s.result_code),
    resultDesc: s.result_desc,
    callback: s.callback,
    hold: s.hold,
    syncError: s.sync_error ?? undefined,
    delayMs: s.delay_ms ?? undefined,
    inFlightQuery: s.in_flight_query ?? undefined,
    lateSuccessMs: s.late_success_ms ?? undefined,
    ackAfterCallback: s.ack_after_callback || undefined,
  }
}

export function b2cOutcomeOf(s: Scenario): B2cOutcome {
  return { name: s.outcome, resultCode: Number(s.result_code), resultDesc: s.result_desc, callback: s.callback, delayMs: s.delay_ms ?? undefined }
}

export function orgOutcomeOf(s: Scenario): OrgOutcome {
  return { name: s.outcome, resultCode: s.result_code, resultDesc: s.result_desc, callback: s.callback, delayMs: s.delay_ms ?? undefined }
}

/** Scenario overrides of one emulator instance: per phone (until reset) and one-shot "next". */
export class ScenarioBook {
  #byPhone = new Map<string, Scenario>()
  #next: Scenario[] = []
  #seq = 0
  readonly #testNumber: TestNumberBehaviour | undefined

  constructor(testNumber?: TestNumberBehaviour) {
    this.#testNumber = testNumber
  }

  add(input: ScenarioInput): Scenario {
    const scenario = buildScenario(`scn_${++this.#seq}`, input)
    if (scenario.phone) this.#byPhone.set(`${scenario.product}:${scenario.phone}`, scenario)
    else this.#next.push(scenario)
    return scenario
  }

  list(): Scenario[] {
    return [...this.#byPhone.values(), ...this.#next]
  }

  clear(): void {
    this.#byPhone.clear()
    this.#next = []
  }

  /** Removes one scenario (e.g. a "next" one nothing used up); false when it is not there. */
  remove(id: string): boolean {
    for (const [key, scenario] of this.#byPhone) {
      if (scenario.id === id) return this.#byPhone.delete(key)
    }
    const index = this.#next.findIndex((s) => s.id === id)
    if (index < 0) return false
    this.#next.splice(index, 1)
    return true
  }

  /** The "next" scenario of the product wins (and is used up), then the phone's, then the table. */
  stk(phone: string): StkOutcome {
    const next = this.#takeNext('stk')
    if (next) return stkOutcomeOf(next)
    // Without scenarios (every push of a load test) no key is made: it would be a fresh string to hash.
    const byPhone = this.#byPhone.size === 0 ? undefined : this.#byPhone.get(`stk:${phone}`)
    return byPhone ? stkOutcomeOf(byPhone) : defaultStkOutcome(phone, this.#testNumber)
  }

  b2c(partyB: string): B2cOutcome {
    const next = this.#takeNext('b2c')
    if (next) return b2cOutcomeOf(next)
    const byPhone = this.#byPhone.size === 0 ? undefined : this.#byPhone.get(`b2c:${partyB}`)
    return byPhone ? b2cOutcomeOf(byPhone) : defaultB2cOutcome(partyB)
  }

  /** A forced verdict for Account Balance, Reversal or C2B (next, then by phone), or undefined: decide naturally. */
  org(product: 'balance' | 'reversal' | 'c2b', phone?: string): OrgOutcome | undefined {
    const scenario = this.#takeNext(product) ?? (phone ? this.#byPhone.get(`${product}:${phone}`) : undefined)
    return scenario ? orgOutcomeOf(scenario) : undefined
  }

  #takeNext(product: Product): Scenario | undefined {
    if (this.#next.length === 0) return undefined
    const index = this.#next.findIndex((s) => s.product === product)
    if (index < 0) return undefined
    return this.#next.splice(index, 1)[0]
  }
}
