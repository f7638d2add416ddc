import { settleManualPayout } from '../../core/payouts.js'
import { transactionView } from '../../core/transaction-view.js'
import { json } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'POST',
  path: '/api/v1/admin/payouts/:transactionId/settle',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    const t = await settleManualPayout(ctx, event.context.params?.transactionId ?? '')
    return json(200, { transaction: transactionView(t) })
  },
})
