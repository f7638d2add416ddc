import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'

/** `GET /__emulator/health`: liveness plus the credentials a client needs. */
export function health(em: Emulator, _req?: unknown): EmResponse {
  const c = em.credentials
  return {
    status: 200,
    body: {
      status: 'ok',
      credentials: {
        consumer_key: c.consumerKey,
        consumer_secret: c.consumerSecret,
        shortcode: c.shortcode,
        passkey: c.passkey,
        b2c_shortcode: c.b2cShortcode,
        initiator_name: c.initiatorName,
        security_credential: c.securityCredential,
      },
    },
  }
}

/** `POST /__emulator/reset`. */
export function reset(em: Emulator): EmResponse {
  em.reset()
  return { status: 200, body: { reset: true } }
}
