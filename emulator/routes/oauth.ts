import type { Emulator } from '../emulator.js'
import { DarajaErrors, darajaError, type EmResponse } from '../errors.js'
import { header, type EmRequest } from '../http.js'

/** `GET /oauth/v1/generate?grant_type=client_credentials` with `Authorization: Basic base64(key:secret)`. */
export function oauthGenerate(em: Emulator, req: EmRequest): EmResponse {
  const requestId = em.ids.serverId()
  if (req.query.get('grant_type') !== 'client_credentials') return darajaError(DarajaErrors.invalidGrantType, requestId)
  const match = /^Basic\s+(\S+)$/i.exec(header(req, 'authorization').trim())
  if (!match) return darajaError(DarajaErrors.invalidAuthentication, requestId)
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const { consumerKey, consumerSecret } = em.credentials
  // Unknown credentials get HTTP 400 with an empty body on the real API (a 2026 capture), not the envelope.
  if (decoded !== `${consumerKey}:${consumerSecret}`) return { status: 400, body: undefined }
  // expires_in is a string on the wire ("3599"), whatever the portal says.
  return { status: 200, body: { access_token: em.issueToken(), expires_in: String(em.config.tokenTtlS) } }
}
