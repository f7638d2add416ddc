import { isStorageError } from '../../store/errors.js'
import { defineRoute } from '../route.js'
import { json } from '../http.js'

export default defineRoute({
  method: 'GET',
  path: '/health',
  handler: async (ctx) => {
    // In emulator mode the emulator's URL too, so dev tools (mpg trigger) can drive its scenarios.
    const info = { daraja_env: ctx.config.darajaEnv, ...(ctx.config.darajaEnv === 'emulator' ? { emulator_url: ctx.darajaUrl } : {}) }
    // A failed store (a durable write failed) is not healthy: supervisors and load balancers see 503.
    const failure = ctx.store.failure()
    if (failure) {
      return json(503, { status: 'failed', ...info, store: { kind: ctx.store.kind, reachable: false }, error: 'Storage failed', hint: isStorageError(failure) ? failure.hint : 'Restart the gateway.', detail: failure.message })
    }
    // A store that does not answer (PostgreSQL down or unreachable): 503 too, so traffic goes to another instance.
    const reachable = await ctx.store.ping()
    if (!reachable) return json(503, { status: 'unavailable', ...info, store: { kind: ctx.store.kind, reachable }, error: 'Store unreachable', hint: 'Check the database server and DATABASE_URL.', detail: `the ${ctx.store.kind} store does not answer` })
    return json(200, { status: 'ok', ...info, store: { kind: ctx.store.kind, reachable } })
  },
})
