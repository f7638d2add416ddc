import { afterEach, beforeEach } from 'vitest'
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/index.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { getToken } from './helpers.js'

/** What each emulator test gets: its own emulator, a receiver for the callbacks, and (unless asked not to) an OAuth token. */
export interface EmulatorRig {
  em: RunningEmulator
  receiver: CallbackReceiver
  /** '' with `{ token: false }` (tests that count or check OAuth requests themselves). */
  token: string
}

/**
 * Starts a fresh emulator and callback receiver before each test of the file and closes both
 * after it; `use` hands them to the file's own variables:
 * `emulatorPerTest({ callbackDelayMs: 10 }, (rig) => ({ em, receiver, token } = rig))`.
 */
export function emulatorPerTest(options: EmulatorOptions & { token?: boolean }, use: (rig: EmulatorRig) => void): void {
  const { token: withToken = true, ...emulatorOptions } = options
  let rig: EmulatorRig | undefined
  beforeEach(async () => {
    const em = await startEmulator(emulatorOptions)
    const receiver = await startCallbackReceiver()
    rig = { em, receiver, token: withToken ? await getToken(em) : '' }
    use(rig)
  })
  afterEach(async () => {
    await rig?.em.close()
    await rig?.receiver.close()
    rig = undefined
  })
}
