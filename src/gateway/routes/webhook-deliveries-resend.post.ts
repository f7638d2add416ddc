import { resendDelivery } from '../../webhooks/endpoints.js'
import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'POST',
  path: '/api/v1/webhook-deliveries/:id/resend',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const delivery = await resendDelivery(ctx, { accountId: auth.account.id, mode: auth.mode }, event.context.params?.id ?? '')
    return json(202, delivery)
  },
})
