import { reconcileWithDaraja } from '../../core/reconcile-with-daraja.js'
import { reconcileBodySchema } from '../../schemas/reconcile.js'
import { json, readOptionalJsonBody } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

/**
 * Asks Daraja about every payment and payout of the period and answers the disagreements. The
 * body is optional: `{"since": "24h", "fix": false, "force": false}` are the defaults.
 */
export default defineRoute({
  method: 'POST',
  path: '/api/v1/admin/reconcile',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    const hint = 'Send no body, or e.g. {"since": "24h", "fix": true}; since is a number and s, m, h or d; force needs fix.'
    const input = await readOptionalJsonBody(event, reconcileBodySchema, hint, () => reconcileBodySchema.parse({}))
    return json(200, await reconcileWithDaraja(ctx, input))
  },
})
