import { transactionView } from '../../core/transaction-view.js'
import { listTransactionsQuerySchema } from '../../schemas/gateway.js'
import { ApiError, validationError } from '../errors.js'
import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

/** One answer for a cursor that is unknown and for one of another account or mode: no existence oracle. */
const unknownCursor = () =>
  new ApiError(400, 'Unknown starting_after', 'Use the next_cursor of a previous page, or list without starting_after from the newest.', 'starting_after is not a transaction of this account and mode')

export default defineRoute({
  method: 'GET',
  path: '/api/v1/transactions',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const query = listTransactionsQuerySchema.safeParse(Object.fromEntries(event.url.searchParams))
    if (!query.success) throw validationError(query.error, 'Use ?status=pending|success|failed&reference=<your reference, exact>&limit=1..100&starting_after=<transaction id>.')
    if (query.data.starting_after !== undefined) {
      const cursor = await ctx.store.getTransaction(query.data.starting_after)
      if (!cursor || cursor.account_id !== auth.account.id || cursor.mode !== auth.mode) throw unknownCursor()
    }
    const page = await ctx.store.listTransactions({ account_id: auth.account.id, mode: auth.mode, ...query.data })
    const data = page.data.map(transactionView)
    return json(200, { data, has_more: page.has_more, next_cursor: page.has_more ? data[data.length - 1].id : null })
  },
})
