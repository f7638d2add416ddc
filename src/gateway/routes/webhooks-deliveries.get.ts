import { listEndpointDeliveries } from '../../webhooks/endpoints.js'
import { listDeliveriesQuerySchema } from '../../schemas/webhooks.js'
import { validationError } from '../errors.js'
import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'GET',
  path: '/api/v1/webhooks/:id/deliveries',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const query = listDeliveriesQuerySchema.safeParse(Object.fromEntries(event.url.searchParams))
    if (!query.success) throw validationError(query.error, 'Use ?status=pending|succeeded|failed&limit=1..100&starting_after=<delivery id>.')
    return json(200, await listEndpointDeliveries(ctx, { accountId: auth.account.id, mode: auth.mode }, event.context.params?.id ?? '', query.data))
  },
})
