import { createWebhookEndpoint } from '../../webhooks/endpoints.js'
import { createWebhookBodySchema } from '../../schemas/webhooks.js'
import { json, readJsonBody } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'POST',
  path: '/api/v1/webhooks',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const { data } = await readJsonBody(
      event,
      createWebhookBodySchema,
      'Send {"url": "https://example.com/webhooks/mpesa", "events": ["payment.success", "payment.failed", "payout.success", "payout.failed", "payout.pending_manual"]} (events optional: all when omitted).',
    )
    const endpoint = await createWebhookEndpoint(ctx, { accountId: auth.account.id, mode: auth.mode }, data)
    return json(201, endpoint, { 'cache-control': 'no-store' })
  },
})
