import { createServer } from 'node:http'
import { listenOn } from '../src/http/listen.js'
import { createEmulatorListener } from './app.js'
import type { CallbackEntry } from './callbacks.js'
import { Emulator, stkView as stkViewOf, type StkTransactionView } from './emulator.js'
import type { Fault, FaultInput } from './faults.js'
import { resolveOptions, type EmulatorCredentials, type EmulatorOptions } from './options.js'
import type { EmulatorProfile } from './profiles.js'
import { armRace, type ArmedRace } from './control/races.js'
import type { RaceName } from './races.js'
import type { Scenario, ScenarioInput } from './scenarios.js'
import type { RequestEntry } from './state.js'

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:49152` (no trailing slash). */
  url: string
  port: number
  credentials: EmulatorCredentials
  /** Forgets transactions, journals, scenarios and faults; cancels pending callbacks. Tokens stay valid. */
  reset(): void
  /** Stops the server and cancels pending callbacks. Idempotent. */
  close(): Promise<void>
  /** Daraja API calls received, oldest first (a copy). */
  requests(): RequestEntry[]
  /** Callbacks sent with the answers they got, oldest first (a copy). */
  callbacks(): CallbackEntry[]
  setScenario(input: ScenarioInput): Scenario
  /** Arms a named race scenario (late-success, lost-callback, …) for one phone; see README. */
  raceScenario(name: RaceName, options: { phone: string; delayMs?: number }): ArmedRace
  clearScenarios(): void
  setFault(input: FaultInput): Fault
  /** Clears one fault by id, or all of them. */
  clearFaults(id?: string): void
  /** Finishes a held prompt (throws for an unknown or not-held id). */
  resolve(checkoutRequestId: string, resultCode: number, resultDesc?: string): StkTransactionView
  /** The current state of an STK transaction, or undefined. */
  transaction(checkoutRequestId: string): StkTransactionView | undefined
  /** `fast` or `sandbox`. */
  profile: EmulatorProfile
  /**
   * Moves the emulator's clock forward by `ms`: tokens age and every result due by then is sent
   * at once (the sandbox profile's 26 s timeout, without waiting 26 s). Returns the new time.
   */
  advanceClock(ms: number): Date
  /** Resolves once no callback is scheduled or in flight (held prompts excepted). */
  settle(): Promise<void>
  /** Called after each Daraja API call is answered; returns an unsubscribe function. */
  onRequest(listener: (entry: RequestEntry) => void): () => void
  /** Called after each callback POST completes (or is dropped); returns an unsubscribe function. */
  onCallback(listener: (entry: CallbackEntry) => void): () => void
}

/** Starts an emulator on `options.port` (0 by default: a free port). Each call is an independent instance. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const config = resolveOptions(options)
  const em = new Emulator(config)
  const server = createServer(createEmulatorListener(em))
  const { port, url } = await listenOn(server, config.port, config.host)
  let closing: Promise<void> | undefined

  return {
    url,
    port,
    credentials: em.credentials,
    reset: () => em.reset(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        em.callbacks.cancelAll()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
    requests: () => em.state.requests.toArray(),
    callbacks: () => em.callbacks.journal.toArray(),
    setScenario: (input) => em.scenarios.add(input),
    raceScenario: (name, { phone, delayMs }) => armRace(em, { name, phone, delay_ms: delayMs }),
    clearScenarios: () => em.scenarios.clear(),
    setFault: (input) => em.faults.add(input),
    clearFaults: (id) => {
      em.faults.clear(id)
    },
    resolve: (id, code, desc) => em.resolveStk(id, code, desc),
    transaction: (id) => {
      const txn = em.state.stk.get(id)
      return txn ? stkViewOf(txn) : undefined
    },
    profile: config.profile,
    advanceClock: (ms) => em.advanceClock(ms),
    settle: () => em.callbacks.settle(),
    onRequest: (listener) => em.onRequest(listener),
    onCallback: (listener) => em.onCallback(listener),
  }
}
