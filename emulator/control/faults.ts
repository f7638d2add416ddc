import type { Emulator } from '../emulator.js'
import { ControlError, type EmResponse } from '../errors.js'
import { faultInputSchema } from '../faults.js'
import type { EmRequest } from '../http.js'
import { readControlBody } from './body.js'

const HINT =
  'Send e.g. {"kind":"error","endpoint":"stk_push","status":500,"errorCode":"500.003.02","errorMessage":"Error Occurred: Spike Arrest Violation","count":1}, {"kind":"latency","endpoint":"any","ms":300} or {"kind":"callback","action":"drop"}.'

/** `POST /__emulator/faults` → 201 `{ fault }`. */
export function addFault(em: Emulator, req: EmRequest): EmResponse {
  const input = readControlBody(req, faultInputSchema, HINT)
  return { status: 201, body: { fault: em.faults.add(input) } }
}

/** `GET /__emulator/faults`. */
export function listFaults(em: Emulator): EmResponse {
  return { status: 200, body: { faults: em.faults.list() } }
}

/** `DELETE /__emulator/faults` clears all; `DELETE /__emulator/faults/<id>` clears one. */
export function clearFaults(em: Emulator, _req: EmRequest, id: string | undefined): EmResponse {
  if (id !== undefined && !em.faults.clear(id)) throw new ControlError(404, `no fault ${id}`, 'List active faults with GET /__emulator/faults.')
  if (id === undefined) em.faults.clear()
  return { status: 200, body: { cleared: true } }
}
