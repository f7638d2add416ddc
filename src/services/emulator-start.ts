import type { CallbackEntry, EmulatorOptions, RequestEntry, RunningEmulator } from '../../emulator/index.js'
import { MpgError } from '../errors.js'

/** The first thing `mpg emulator start` prints: where it is and every credential a client needs. */
export interface EmulatorStartedInfo {
  url: string
  consumer_key: string
  consumer_secret: string
  shortcode: string
  passkey: string
  b2c_shortcode: string
  initiator_name: string
  security_credential: string
}

export type EmulatorEvent =
  | { type: 'started'; info: EmulatorStartedInfo }
  | { type: 'request'; entry: RequestEntry }
  | { type: 'callback'; entry: CallbackEntry }
  | { type: 'stopped' }

/**
 * Runs the Daraja emulator until `signal` aborts, reporting what happens as events.
 * The command only renders the events.
 */
export async function runEmulator(options: EmulatorOptions, signal: AbortSignal, onEvent: (event: EmulatorEvent) => void): Promise<void> {
  const { startEmulator, credentialsWire } = await import('../../emulator/index.js')
  let emulator: RunningEmulator
  try {
    emulator = await startEmulator(options)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const where = `${options.host ?? '127.0.0.1'}:${options.port ?? 0}`
    if (code === 'EADDRINUSE') {
      throw new MpgError('conflict', `Port ${options.port} is already in use on ${options.host ?? '127.0.0.1'}.`, {
        suggestion: 'Stop whatever holds it (another `mpg emulator start`?), or pass another --port (0 picks a free one).',
        cause: error,
      })
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new MpgError('config', `Cannot listen on ${where} (${code}).`, {
        suggestion: 'Pass a --host this machine owns (e.g. 127.0.0.1) and a --port above 1023.',
        cause: error,
      })
    }
    throw error
  }
  const c = emulator.credentials
  onEvent({
    type: 'started',
    info: { url: emulator.url, ...credentialsWire(c) },
  })
  const offRequest = emulator.onRequest((entry) => onEvent({ type: 'request', entry }))
  const offCallback = emulator.onCallback((entry) => onEvent({ type: 'callback', entry }))
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
  offRequest()
  offCallback()
  await emulator.close()
  onEvent({ type: 'stopped' })
}
