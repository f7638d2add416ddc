/** `mpesa-gateway/emulator`: an offline Daraja for tests, CI and local development. */
export { startEmulator, type RunningEmulator } from './server.js'
export {
  DEFAULT_CONSUMER_KEY,
  DEFAULT_CONSUMER_SECRET,
  DEFAULT_EMULATOR_PORT,
  DEFAULT_SECURITY_CREDENTIAL,
  credentialsWire,
  type EmulatorCredentials,
  type EmulatorOptions,
} from './options.js'
export type { CallbackEntry, CallbackKind } from './callbacks.js'
export type { EmulatorProfile } from './profiles.js'
export type { StkTransactionView } from './emulator.js'
export type { Fault, FaultEndpoint, FaultInput } from './faults.js'
export type { RequestEntry } from './state.js'
export {
  B2C_OUTCOMES,
  B2C_TEST_NUMBERS,
  STK_OUTCOMES,
  STK_TEST_NUMBERS,
  type CallbackMode,
  type Scenario,
  type ScenarioInput,
} from './scenarios.js'
export { ControlError } from './errors.js'
export { DEFAULT_RACE_DELAY_MS, RACE_NAMES, type RaceInput, type RaceName } from './races.js'
export type { ArmedRace } from './control/races.js'
