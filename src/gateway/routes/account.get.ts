import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

/** Who a key is: its account and mode (what the dashboard shows after sign-in). */
export default defineRoute({
  method: 'GET',
  path: '/api/v1/account',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    return json(200, {
      account: { id: auth.account.id, name: auth.account.name, created_at: auth.account.created_at },
      mode: auth.mode,
      key: { id: auth.key.id, prefix: auth.key.prefix, name: auth.key.name },
    })
  },
})
