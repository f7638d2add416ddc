import { listPayoutsQuerySchema, PAYOUT_STATUSES } from '../../schemas/admin.js'
import { transactionView } from '../../core/transaction-view.js'
import { validationError } from '../errors.js'
import { json } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

/** Payouts by status across accounts (an operator's view), oldest first: `needs_attention` is the work list. */
export default defineRoute({
  method: 'GET',
  path: '/api/v1/admin/payouts',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    const query = listPayoutsQuerySchema.safeParse(Object.fromEntries(event.url.searchParams))
    if (!query.success) throw validationError(query.error, `Use ?status=${PAYOUT_STATUSES.join('|')}&limit=1..500.`)
    const found = await ctx.store.listPayoutsByStatus(query.data.status, query.data.limit + 1)
    const page = found.slice(0, query.data.limit)
    return json(200, { data: page.map((t) => ({ ...transactionView(t), account_id: t.account_id, mode: t.mode })), has_more: found.length > query.data.limit })
  },
})
