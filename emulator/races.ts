import { z } from 'zod'
import type { ScenarioInput } from './scenarios.js'

/**
 * Named race scenarios: the timing bugs of real M-Pesa integrations, each armed for one phone.
 * They are built from the emulator's ordinary scenarios (outcome, callback mode, delays), so
 * `GET /__emulator/scenarios` shows exactly what a race armed.
 */
export const RACE_NAMES = ['late-success', 'callback-before-ack', 'duplicate-callback', 'lost-callback', 'query-lags', 'b2c-result-lost'] as const
export type RaceName = (typeof RACE_NAMES)[number]

/** The default wait of the races that take one (late success, lagging query): two minutes, as on the real network. */
export const DEFAULT_RACE_DELAY_MS = 120_000

interface RaceDefinition {
  description: string
  /** Whether `delay_ms` means something for this race. */
  takesDelay: boolean
  scenario: (phone: string, delayMs: number) => ScenarioInput
}

export const RACES: Record<RaceName, RaceDefinition> = {
  'late-success': {
    description: 'a 1037 (no response) callback, then a success callback for the same CheckoutRequestID after the delay',
    takesDelay: true,
    scenario: (phone, delayMs) => ({ phone, outcome: 'timeout', late_success_ms: delayMs }),
  },
  'callback-before-ack': {
    description: "the success callback is sent before the push's HTTP answer (which waits for it, up to 1 s)",
    takesDelay: false,
    scenario: (phone) => ({ phone, outcome: 'success', ack_after_callback: true }),
  },
  'duplicate-callback': {
    description: 'the success callback is sent twice',
    takesDelay: false,
    scenario: (phone) => ({ phone, outcome: 'duplicate_callback' }),
  },
  'lost-callback': {
    description: 'the payment succeeds but no callback is sent: only STK query knows',
    takesDelay: false,
    scenario: (phone) => ({ phone, outcome: 'paid_no_callback' }),
  },
  'query-lags': {
    description: 'no callback, and STK query answers 4999 (still processing) for the delay, then success',
    takesDelay: true,
    scenario: (phone, delayMs) => ({ phone, outcome: 'paid_no_callback', delay_ms: delayMs }),
  },
  'b2c-result-lost': {
    description: 'a B2C payout to the phone completes but its result is never sent: only Transaction Status knows',
    takesDelay: false,
    scenario: (phone) => ({ product: 'b2c', phone, callback: 'none' }),
  },
}

/** Body of `POST /__emulator/races`. */
export const raceInputSchema = z
  .object({
    name: z.enum(RACE_NAMES),
    phone: z.string().regex(/^254[17]\d{8}$/, 'must be a 12-digit MSISDN such as 254712345678'),
    delay_ms: z.number().int().min(0).max(600_000).optional(),
  })
  .strict()
  .refine((v) => v.delay_ms === undefined || RACES[v.name].takesDelay, {
    message: '"delay_ms" applies to late-success and query-lags only',
    path: ['delay_ms'],
  })
export type RaceInput = z.input<typeof raceInputSchema>

/** The scenario a race arms, with its wait filled in. */
export function raceScenario(input: z.output<typeof raceInputSchema>): ScenarioInput {
  return RACES[input.name].scenario(input.phone, input.delay_ms ?? DEFAULT_RACE_DELAY_MS)
}

/** The races, for `GET /__emulator/races` and the CLI's help. */
export function listRaces(): Array<{ name: RaceName; description: string; takes_delay: boolean }> {
  return RACE_NAMES.map((name) => ({ name, description: RACES[name].description, takes_delay: RACES[name].takesDelay }))
}
