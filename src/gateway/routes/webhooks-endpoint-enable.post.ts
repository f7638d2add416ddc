import { enableWebhookEndpoint } from '../../webhooks/endpoints.js'
import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'POST',
  path: '/api/v1/webhooks/:id/enable',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const endpoint = await enableWebhookEndpoint(ctx, { accountId: auth.account.id, mode: auth.mode }, event.context.params?.id ?? '')
    return json(200, endpoint)
  },
})
