import { transactionView } from '../../core/transaction-view.js'
import { notFound } from '../../core/errors.js'
import { json } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'GET',
  path: '/api/v1/transactions/:id',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const id = event.context.params?.id ?? ''
    const t = id.length <= 100 ? await ctx.store.getTransaction(id) : undefined
    // Another account's (or mode's) transaction is indistinguishable from a missing one.
    if (!t || t.account_id !== auth.account.id || t.mode !== auth.mode) throw notFound('Transaction')
    return json(200, { transaction: transactionView(t) })
  },
})
