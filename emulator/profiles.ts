/**
 * How the emulator behaves over time. `fast` (the default) answers quickly and always the same
 * way, for tests and local work. `sandbox` reproduces today's real sandbox, so that code which
 * survives it locally survives the real thing: results come after the delays people measured,
 * the generic test number never pays, bursts meet spike arrest.
 */
export const PROFILES = ['fast', 'sandbox'] as const
export type EmulatorProfile = (typeof PROFILES)[number]

export interface ProfileSettings {
  /** Delay before a result (callback, and the query's final answer); the query says 4999 until then. */
  callbackDelayMs: number
  /** The generic sandbox test number 254708374149: pays (fast), or `1037` after `testNumberDelayMs` (sandbox). */
  testNumberPays: boolean
  testNumberDelayMs: number
  /** Requests per window per API before `500.003.02`; null: never. */
  spikeArrest: { limit: number; windowMs: number } | null
  /** How long C2B waits for the validation URL before applying the registered ResponseType. */
  c2bValidationTimeoutMs: number
}

export const PROFILE_SETTINGS: Record<EmulatorProfile, ProfileSettings> = {
  fast: { callbackDelayMs: 100, testNumberPays: true, testNumberDelayMs: 100, spikeArrest: null, c2bValidationTimeoutMs: 1000 },
  // Measured on the real sandbox in 2026: an approved prompt settled ~17 s after the push; the
  // test number answered 1037 "No response from user." ~26 s after it; C2B validation waits ~8 s.
  sandbox: {
    callbackDelayMs: 17_000,
    testNumberPays: false,
    testNumberDelayMs: 26_000,
    spikeArrest: { limit: 5, windowMs: 1000 },
    c2bValidationTimeoutMs: 8000,
  },
}

export function isProfile(value: string): value is EmulatorProfile {
  return (PROFILES as readonly string[]).includes(value)
}
