import { defineRoute } from '../route.js'
import { json } from '../http.js'

export default defineRoute({
  method: 'GET',
  path: '/health',
  // In emulator mode the emulator's URL too, so dev tools (mpg trigger) can drive its scenarios.
  handler: async (ctx) =>
    json(200, { status: 'ok', daraja_env: ctx.config.darajaEnv, ...(ctx.config.darajaEnv === 'emulator' ? { emulator_url: ctx.darajaUrl } : {}) }),
})
