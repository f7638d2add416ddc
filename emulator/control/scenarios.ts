import type { Emulator } from '../emulator.js'
import { ControlError, type EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { scenarioInputSchema, UnknownOutcomeError } from '../scenarios.js'
import { readControlBody } from './body.js'

const HINT = 'Send e.g. {"phone":"254712345678","outcome":"cancelled"} or {"next":true,"result_code":1032,"delay_ms":0}; see emulator/README.md.'

/** `POST /__emulator/scenarios` → 201 `{ scenario }`. */
export function addScenario(em: Emulator, req: EmRequest): EmResponse {
  const input = readControlBody(req, scenarioInputSchema, HINT)
  try {
    return { status: 201, body: { scenario: em.scenarios.add(input) } }
  } catch (error) {
    if (error instanceof UnknownOutcomeError) throw new ControlError(400, `invalid body: outcome: ${error.message}`, HINT)
    throw error
  }
}

/** `GET /__emulator/scenarios`. */
export function listScenarios(em: Emulator): EmResponse {
  return { status: 200, body: { scenarios: em.scenarios.list() } }
}

/** `DELETE /__emulator/scenarios` clears them all; `DELETE /__emulator/scenarios/<id>` one. */
export function clearScenarios(em: Emulator, _req: EmRequest, id: string | undefined): EmResponse {
  if (id === undefined) {
    em.scenarios.clear()
    return { status: 200, body: { cleared: true } }
  }
  if (!em.scenarios.remove(id)) throw new ControlError(404, `no scenario ${id}`, 'List them with GET /__emulator/scenarios.')
  return { status: 200, body: { removed: id } }
}
