import { z } from 'zod'
import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { ADVANCE_HINT, advanceBodySchema } from '../../src/schemas/clock.js'
import { readControlBody } from './body.js'

const advanceSchema = z.object({ advance_ms: z.number().int().min(1).max(7 * 24 * 3600 * 1000) }).strict()

/** `GET /__emulator/clock` → `{ now, profile }`. */
export function readClock(em: Emulator): EmResponse {
  return { status: 200, body: { now: em.now().toISOString(), profile: em.config.profile } }
}

/** `POST /__emulator/clock` with `{ advance_ms }`: moves the clock forward; results due by then go out at once. */
export function advanceClock(em: Emulator, req: EmRequest): EmResponse {
  const input = readControlBody(req, advanceSchema, 'Send {"advance_ms": 26000} to move the emulator 26 s ahead.')
  return { status: 200, body: { now: em.advanceClock(input.advance_ms).toISOString(), profile: em.config.profile } }
}

/**
 * `POST /__emulator/clock/advance` with `{ "by": "24h" }` (or milliseconds): the same move, in the
 * form a gateway in test mode takes at the same path (where it moves the gateway's clock too).
 */
export function advanceClockBy(em: Emulator, req: EmRequest): EmResponse {
  const { ms } = readControlBody(req, advanceBodySchema, ADVANCE_HINT)
  return { status: 200, body: { now: em.advanceClock(ms).toISOString(), profile: em.config.profile, advanced_ms: ms } }
}
