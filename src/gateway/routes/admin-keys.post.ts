import { createApiKeyBodySchema } from '../../schemas/admin.js'
import { apiKeyView, createApiKey } from '../../core/api-keys.js'
import { ApiError } from '../errors.js'
import { json, readJsonBody } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'POST',
  path: '/api/v1/admin/keys',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    const { data } = await readJsonBody(event, createApiKeyBodySchema, 'Send {"account_id": "acct_…", "mode": "test" | "live", "name"?: "…"}.')
    if (!(await ctx.store.getAccount(data.account_id))) {
      throw new ApiError(404, 'Account not found', 'List accounts with `mpg accounts list`.', '')
    }
    const created = await createApiKey(ctx.store, { accountId: data.account_id, mode: data.mode, name: data.name })
    // The only time the key is shown.
    return json(201, { ...apiKeyView(created.record), key: created.key })
  },
})
