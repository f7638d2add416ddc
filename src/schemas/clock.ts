/** Wire shape of `POST /__emulator/clock/advance` (a gateway in test mode, or the emulator). */
import { z } from 'zod'
import { parseDuration } from '../utils/duration.js'

/** A month: longer jumps are a typo, not a test (a day of retries is 24h). */
export const MAX_ADVANCE_MS = 31 * 86_400_000

export const ADVANCE_HINT = 'Send {"by": "24h"} (or 90s, 15m, 1d, 1h30m, or a number of milliseconds), at most 31d.'

export const advanceBodySchema = z
  .object({
    by: z.union([z.number().int().min(0), z.string().max(40)]).describe('How far to move time: a duration such as 90s, 15m, 24h, 1d, or milliseconds.'),
  })
  .strict()
  .transform((body, zctx) => {
    const ms = typeof body.by === 'number' ? body.by : parseDuration(body.by)
    if (ms === undefined || ms > MAX_ADVANCE_MS) {
      zctx.addIssue({ code: 'custom', path: ['by'], message: ms === undefined ? 'by is not a duration such as 90s, 15m, 24h or 1d' : 'by is more than 31d' })
      return z.NEVER
    }
    return { ms }
  })
