import { isVirtualClock } from '../../utils/virtual-clock.js'
import { ADVANCE_HINT, advanceBodySchema } from '../../schemas/clock.js'
import { ApiError } from '../errors.js'
import { json, readJsonBody } from '../http.js'
import { defineRoute } from '../route.js'

/**
 * Test mode only: moves the gateway's virtual clock (and its emulator's) forward, running every
 * retry, reconciliation and expiry due on the way, and answers once their work is done. A gateway
 * on the machine's clock, or on a real Daraja, has no such endpoint (404): time there is not ours to move.
 */
export default defineRoute({
  method: 'POST',
  path: '/__emulator/clock/advance',
  handler: async (ctx, event) => {
    if (!isVirtualClock(ctx.clock) || ctx.config.darajaEnv !== 'emulator') {
      throw new ApiError(
        404,
        'Virtual clock is off',
        'Start the gateway in test mode to move its time: MPG_TEST_MODE=1 mpg serve (emulator mode), or createGateway({ clock: createVirtualClock() }) in a test.',
        ctx.config.darajaEnv === 'emulator' ? 'this gateway runs on the machine’s clock' : `this gateway talks to Daraja ${ctx.config.darajaEnv}, whose time cannot be moved`,
      )
    }
    const { data } = await readJsonBody(event, advanceBodySchema, ADVANCE_HINT)
    const report = await ctx.clock.advance(data.ms)
    // The bundled emulator runs on this same clock; one started elsewhere keeps its own time.
    const emulator = ctx.config.darajaBaseUrl === undefined ? 'moved' : 'not moved (started elsewhere: POST /__emulator/clock/advance on it)'
    return json(200, { ...report, emulator })
  },
})
