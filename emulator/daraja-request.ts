import type { Emulator } from './emulator.js'
import { darajaError, invalidField, type DarajaErrorSpec, type EmResponse } from './errors.js'
import { bearerToken, type EmRequest } from './http.js'

/** `400.002.05`: how the org APIs (B2C, Transaction Status, Account Balance, Reversal) and C2B refuse a body that is not JSON. */
export const invalidPayload: DarajaErrorSpec = { status: 400, errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' }

/** How one family of Daraja APIs refuses the two things every call is checked for first. */
export interface DarajaOpening {
  /** The refusal of a missing or unknown bearer token (each family has its own status and code). */
  invalidToken: DarajaErrorSpec
  /** The refusal of a body that is not a JSON object. */
  notJson: DarajaErrorSpec
}

/** A Daraja request past its token and JSON checks, with the rest of its body to read. */
export interface DarajaRequest {
  body: Record<string, unknown>
  /** The requestId of every error this request is answered with. */
  requestId: string
  /** `400.002.02 Bad Request - Invalid <field>` for this request. */
  fail: (field: string) => EmResponse
  /** Any other refusal, under this request's requestId. */
  refuse: (spec: DarajaErrorSpec) => EmResponse
}

/**
 * The opening every Daraja route shares, in Daraja's order: the bearer token, then a JSON object
 * body. Returns the refusal, or the request to go on reading.
 */
export function openDarajaRequest(em: Emulator, req: EmRequest, opening: DarajaOpening): DarajaRequest | { refused: EmResponse } {
  const requestId = em.ids.serverId()
  const refuse = (spec: DarajaErrorSpec) => darajaError(spec, requestId)
  if (!em.tokenValid(bearerToken(req))) return { refused: refuse(opening.invalidToken) }
  const body = req.json
  if (!body) return { refused: refuse(opening.notJson) }
  return { body, requestId, fail: (field) => refuse(invalidField(field)), refuse }
}
