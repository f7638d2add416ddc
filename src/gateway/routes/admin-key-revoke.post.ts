import { apiKeyView } from '../../core/api-keys.js'
import { notFound } from '../../core/errors.js'
import { json } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'POST',
  path: '/api/v1/admin/keys/:id/revoke',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    const revoked = await ctx.store.revokeApiKey(event.context.params?.id ?? '', new Date().toISOString())
    if (!revoked) throw notFound('API key')
    // Its open event streams end now (other instances notice within their re-check interval).
    await ctx.eventStreams?.revalidate()
    return json(200, apiKeyView(revoked))
  },
})
