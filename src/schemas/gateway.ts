import { z } from 'zod'
import { amountSchema } from '../utils/money.js'
import { ACCEPTED_PHONE_FORMS, phoneSchema } from '../utils/phone.js'

const noControlChars = (value: string) => !/[\u0000-\u001f\u007f]/.test(value)

const boundedText = (name: string, max: number) =>
  z
    .string({ error: `${name} is required and must be a string` })
    .trim()
    .min(1, `${name} must not be blank`)
    .max(max, `${name} must be at most ${max} characters`)
    .refine(noControlChars, `${name} must not contain control characters`)

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
    status: z.enum(['pending', 'success', 'failed'], { error: 'status must be pending, success or failed' }).optional(),
    limit: z.coerce
      .number({ error: 'limit must be a number' })
      .int('limit must be a whole number')
      .min(1, 'limit must be at least 1')
      .max(100, 'limit must be at most 100')
      .default(20),
    starting_after: z.string().max(100, 'starting_after is not a transaction id').optional(),
    /** Exact match on the merchant's reference (stored trimmed, so compared trimmed). */
    reference: boundedText('reference', 40).optional(),
  })
  .strict()

export const stkPushResponseSchema = z.object({
  success: z.literal(true),
  transaction_id: z.string(),
  merchant_request_id: z.string().nullable(),
  checkout_request_id: z.string().nullable(),
  customer_message: z.string().nullable(),
  amount: z.number(),
  platform_fee: z.number(),
  net_amount: z.number(),
  status: z.enum(['pending', 'success', 'failed']),
  poll_url: z.string(),
})
export type StkPushResult = z.infer<typeof stkPushResponseSchema>

export const payoutViewSchema = z.object({
  status: z.enum(['pending', 'success', 'failed', 'pending_manual', 'settled', 'needs_attention']),
  type: z.enum(['mpesa', 'paybill', 'till', 'bank']),
  amount: z.number(),
  destination: z.record(z.string(), z.unknown()),
  mpesa_receipt: z.string().nullable(),
  result_code: z.string().nullable(),
  result_desc: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  settled_at: z.string().nullable(),
  attention_reason: z.string().nullable().optional(),
})

export const transactionSchema = z.object({
  id: z.string(),
  reference: z.string(),
  amount: z.number(),
  platform_fee: z.number(),
  net_amount: z.number(),
  status: z.enum(['pending', 'success', 'failed']),
  mpesa_receipt_number: z.string().nullable(),
  result_code: z.string().nullable(),
  result_desc: z.string().nullable(),
  completed_at: z.string().nullable(),
  phone: z.string(),
  description: z.string(),
  mode: z.enum(['test', 'live']),
  created_at: z.string(),
  merchant_request_id: z.string().nullable(),
  checkout_request_id: z.string().nullable(),
  payout: payoutViewSchema.nullable(),
  late_success: z
    .object({ mpesa_receipt_number: z.string(), amount: z.number(), result_desc: z.string(), received_at: z.string() })
    .nullable()
    .optional(),
})
export type Transaction = z.infer<typeof transactionSchema>

export const transactionEnvelopeSchema = z.object({ transaction: transactionSchema })
export const transactionListSchema = z.object({ data: z.array(transactionSchema), has_more: z.boolean(), next_cursor: z.string().nullable() })

export const errorBodySchema = z.object({ error: z.string(), hint: z.string(), detail: z.string() })
