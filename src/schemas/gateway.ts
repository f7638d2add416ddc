import { z } from 'zod'
import { amountSchema } from '../utils/money.js'
import { ACCEPTED_PHONE_FORMS, phoneSchema } from '../utils/phone.js'
import { TRANSACTION_LIST_LIMIT, TRANSACTION_STATUSES } from './transaction-list.js'
import { listLimitSchema, startingAfterSchema } from './paging.js'
import { boundedText } from './text.js'

/** `POST /api/v1/stk-push` body (gateway-api.txt). Unknown fields are ignored. */
export const stkPushBodySchema = z.object(
  {
    amount: amountSchema.describe('Whole KES, 1–150,000.'),
    phone: phoneSchema.describe(`The customer's phone: ${ACCEPTED_PHONE_FORMS}.`),
    reference: boundedText('reference', 40).describe('Your internal reference.'),
    description: boundedText('description', 60).describe('Shown to the customer.'),
  },
  { error: 'the body must be a JSON object with amount, phone, reference and description' },
)
export type StkPushBody = z.infer<typeof stkPushBodySchema>

export const idempotencyKeySchema = z
  .string()
  .min(1, 'Idempotency-Key must not be empty')
  .max(255, 'Idempotency-Key must be at most 255 characters')
  .regex(/^[\x21-\x7e]+$/, 'Idempotency-Key must be printable ASCII without spaces')

export const listTransactionsQuerySchema = z
  .object({
    status: z.enum(TRANSACTION_STATUSES, { error: 'status must be pending, success or failed' }).optional(),
    limit: listLimitSchema({ min: TRANSACTION_LIST_LIMIT.min, max: TRANSACTION_LIST_LIMIT.max, fallback: TRANSACTION_LIST_LIMIT.default }),
    starting_after: startingAfterSchema('transaction').optional(),
    /** Exact match on the merchant's reference (stored trimmed, so compared trimmed). */
    reference: boundedText('reference', 40).optional(),
  })
  .strict()

// The answers' schemas: a file of their own, so that a client loads only those.
export * from './gateway-responses.js'
