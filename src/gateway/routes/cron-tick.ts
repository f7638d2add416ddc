import { runRound } from '../../core/background-round.js'
import { json } from '../http.js'
import { requireCronSecret } from '../middleware/auth.js'
import { defineRoute, type Route } from '../route.js'

/**
 * One bounded round of background work for a platform's scheduler (a fetch handler has no
 * timers). POST is the API; GET does the same because Vercel's cron jobs can only send GET.
 */
const tick = (method: 'GET' | 'POST'): Route =>
  defineRoute({
    method,
    path: '/api/v1/cron/tick',
    handler: async (ctx, event) => {
      requireCronSecret(ctx, event)
      // h3 answers HEAD with the GET route: a probe must not run a round.
      if (event.req.method === 'HEAD') return new Response(null, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } })
      const summary = await runRound(ctx, { deliveries: ctx.config.cronDeliveries, resignAfter: ctx.serverless !== undefined })
      ctx.log.info('cron.tick', { ...summary })
      return json(200, summary)
    },
  })

export default [tick('POST'), tick('GET')]
