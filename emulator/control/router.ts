import type { Emulator } from '../emulator.js'
import { ControlError, controlErrorResponse, type EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { listC2b } from './c2b.js'
import { advanceClock, advanceClockBy, readClock } from './clock.js'
import { addFault, clearFaults, listFaults } from './faults.js'
import { health, reset } from './health.js'
import { listCallbacks, listRequests } from './journals.js'
import { addRace, listRaceNames } from './races.js'
import { addScenario, clearScenarios, listScenarios } from './scenarios.js'
import { getStk, resolveStk } from './stk.js'

export const CONTROL_PREFIX = '/__emulator/'

/** `param` is the route's capture group, when it has one and it matched. */
type ControlHandler = (em: Emulator, req: EmRequest, param: string | undefined) => EmResponse
interface ControlRoute {
  method: string
  pattern: RegExp
  handler: ControlHandler
}

const routes: ControlRoute[] = [
  { method: 'GET', pattern: /^health$/, handler: health },
  { method: 'POST', pattern: /^reset$/, handler: reset },
  { method: 'GET', pattern: /^requests$/, handler: listRequests },
  { method: 'GET', pattern: /^callbacks$/, handler: listCallbacks },
  { method: 'GET', pattern: /^scenarios$/, handler: listScenarios },
  { method: 'POST', pattern: /^scenarios$/, handler: addScenario },
  { method: 'DELETE', pattern: /^scenarios(?:\/([^/]+))?$/, handler: clearScenarios },
  { method: 'GET', pattern: /^races$/, handler: listRaceNames },
  { method: 'POST', pattern: /^races$/, handler: addRace },
  { method: 'GET', pattern: /^faults$/, handler: listFaults },
  { method: 'POST', pattern: /^faults$/, handler: addFault },
  { method: 'DELETE', pattern: /^faults(?:\/([^/]+))?$/, handler: clearFaults },
  { method: 'GET', pattern: /^clock$/, handler: readClock },
  { method: 'GET', pattern: /^c2b$/, handler: listC2b },
  { method: 'POST', pattern: /^clock$/, handler: advanceClock },
  { method: 'POST', pattern: /^clock\/advance$/, handler: advanceClockBy },
  { method: 'GET', pattern: /^stk\/([^/]+)$/, handler: getStk },
  { method: 'POST', pattern: /^stk\/([^/]+)\/resolve$/, handler: resolveStk },
]

function decodeParam(param: string): string {
  try {
    return decodeURIComponent(param)
  } catch {
    throw new ControlError(400, `${param} is not a valid id: it holds a malformed %-escape`, 'Send the id exactly as the emulator gave it, URL-encoded once.')
  }
}

/** Dispatches `/__emulator/*`; errors come back as `{ error, hint?, detail? }`. */
export function handleControl(em: Emulator, req: EmRequest): EmResponse {
  const rest = req.path.slice(CONTROL_PREFIX.length)
  try {
    const matching = routes.filter((route) => route.pattern.test(rest))
    if (matching.length === 0) {
      throw new ControlError(404, `no control endpoint ${req.path}`, 'See emulator/README.md for the control API.')
    }
    const route = matching.find((r) => r.method === req.method)
    if (!route) {
      throw new ControlError(405, `${req.method} is not allowed on ${req.path}`, `Use ${matching.map((r) => r.method).join(' or ')}.`)
    }
    const param = route.pattern.exec(rest)?.[1]
    return route.handler(em, req, param === undefined ? undefined : decodeParam(param))
  } catch (error) {
    if (error instanceof ControlError) return controlErrorResponse(error)
    throw error
  }
}
