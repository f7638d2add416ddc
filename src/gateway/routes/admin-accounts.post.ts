import { createAccount, createAccountSchema } from '../../core/accounts.js'
import { json, readJsonBody } from '../http.js'
import { requireAdmin } from '../middleware/auth.js'
import { defineRoute } from '../route.js'

export default defineRoute({
  method: 'POST',
  path: '/api/v1/admin/accounts',
  handler: async (ctx, event) => {
    requireAdmin(ctx, event)
    const { data } = await readJsonBody(
      event,
      createAccountSchema,
      'Send {"name": "...", "payout_account": {"type":"mpesa","phone":"2547…"} | {"type":"paybill","paybill":"…","account_number":"…"} | {"type":"till","till":"…"} | {"type":"bank","bank":"…","account_number":"…"}}.',
    )
    const account = await createAccount(ctx.store, data)
    return json(201, account)
  },
})
