import { apiKeyView } from '../../core/api-keys.js'
import { json } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'GET',
  path: '/api/v1/admin/keys',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    return json(200, { data: (await ctx.store.listApiKeys()).map(apiKeyView) })
  },
})
