import { settlePayoutBodySchema } from '../../schemas/admin.js'
import { settlePayout } from '../../core/payouts.js'
import { transactionView } from '../../core/transaction-view.js'
import { json, readOptionalJsonBody } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

/** The body is optional: `{"mpesa_receipt": "…"}` records the receipt a person found on the statement. */
export default defineRoute({
  method: 'POST',
  path: '/api/v1/admin/payouts/:transactionId/settle',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    const input = await readOptionalJsonBody(event, settlePayoutBodySchema, 'Send no body, or {"mpesa_receipt": "UJT1234567"} for a B2C found on the M-Pesa statement.', () => ({}))
    const t = await settlePayout(ctx, event.context.params?.transactionId ?? '', input)
    return json(200, { transaction: transactionView(t) })
  },
})
