import { listWebhookEndpoints } from '../../webhooks/endpoints.js'
import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'GET',
  path: '/api/v1/webhooks',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const data = await listWebhookEndpoints(ctx, { accountId: auth.account.id, mode: auth.mode })
    return json(200, { data })
  },
})
