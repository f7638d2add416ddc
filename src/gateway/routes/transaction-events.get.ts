import { eventBody } from '../../webhooks/event-body.js'
import { deliveryView } from '../../webhooks/endpoints.js'
import { notFound } from '../../core/errors.js'
import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

/** Events are read in pages of this many while looking for one transaction's. */
const PAGE = 500

/**
 * `GET /api/v1/transactions/:id/events`: the events of one transaction, oldest first, each with its
 * webhook deliveries and their attempts — the timeline of a payment.
 */
export default defineRoute({
  method: 'GET',
  path: '/api/v1/transactions/:id/events',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const id = event.context.params?.id ?? ''
    const t = id.length <= 100 ? await ctx.store.getTransaction(id) : undefined
    if (!t || t.account_id !== auth.account.id || t.mode !== auth.mode) throw notFound('Transaction')
    // The store indexes events by account and sequence, not by transaction: scan the account's
    // events in pages (a transaction has at most a few of them).
    const data = []
    let after = 0
    for (;;) {
      const page = await ctx.store.listEventsAfter(auth.account.id, auth.mode, after, PAGE)
      for (const e of page) {
        if (e.data.transaction_id !== t.id) continue
        const deliveries = (await ctx.store.listDeliveriesForEvent(e.id)).map(deliveryView)
        data.push({ ...eventBody(e), deliveries })
      }
      if (page.length < PAGE) break
      after = page[page.length - 1].seq
    }
    return json(200, { data })
  },
})
