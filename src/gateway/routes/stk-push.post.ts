import { stkPush } from '../../core/stk-push.js'
import { idempotencyKeySchema, stkPushBodySchema } from '../../schemas/gateway.js'
import { ApiError, validationError } from '../errors.js'
import { json, readJsonBody } from '../http.js'
import { requireApiKey } from '../middleware/auth.js'
import { defineHotRoute } from '../route.js'
import { ACCEPTED_PHONE_FORMS } from '../../utils/phone.js'

const HINT = `Send {"amount": whole KES 1–150000, "phone": ${ACCEPTED_PHONE_FORMS}, "reference": ≤40 chars, "description": ≤60 chars}.`

export default defineHotRoute({
  method: 'POST',
  path: '/api/v1/stk-push',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const rawKey = event.req.headers.get('idempotency-key')
    let idempotencyKey: string | undefined
    if (rawKey !== null) {
      if (rawKey.includes(',')) throw new ApiError(400, 'Validation failed: Idempotency-Key', 'Send one Idempotency-Key header.', 'more than one Idempotency-Key value')
      const parsed = idempotencyKeySchema.safeParse(rawKey)
      if (!parsed.success) throw validationError(parsed.error, 'Use a unique printable key per logical request, e.g. order-1234-attempt-1.')
      idempotencyKey = parsed.data
    }
    const { data } = await readJsonBody(event, stkPushBodySchema, HINT)
    const outcome = await stkPush(ctx, { account: auth.account, mode: auth.mode, body: data, idempotencyKey })
    if (!outcome.replayed) return json(201, outcome.response)
    // A replay of a created payment is a 200; an error answer is replayed with its own status.
    const status = outcome.statusCode !== null && outcome.statusCode >= 400 ? outcome.statusCode : 200
    return json(status, outcome.response, { 'idempotent-replayed': 'true' })
  },
})
