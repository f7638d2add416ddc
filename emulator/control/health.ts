import type { Emulator } from '../emulator.js'
import { credentialsWire } from '../options.js'
import type { EmResponse } from '../errors.js'

/** `GET /__emulator/health`: liveness plus the credentials a client needs. */
export function health(em: Emulator, _req?: unknown): EmResponse {
  const c = em.credentials
  return {
    status: 200,
    body: {
      status: 'ok',
      profile: em.config.profile,
      credentials: credentialsWire(c),
    },
  }
}

/** `POST /__emulator/reset`. */
export function reset(em: Emulator): EmResponse {
  em.reset()
  return { status: 200, body: { reset: true } }
}
