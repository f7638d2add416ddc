import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'

/** `GET /__emulator/requests`: Daraja API calls received, oldest first. */
export function listRequests(em: Emulator): EmResponse {
  return { status: 200, body: { requests: em.state.requests.toArray() } }
}

/** `GET /__emulator/callbacks`: callbacks sent, with the answers they got, oldest first. */
export function listCallbacks(em: Emulator): EmResponse {
  return { status: 200, body: { callbacks: em.callbacks.journal.toArray() } }
}
