import { z } from 'zod'
import { TRANSACTION_STATUSES } from './transaction-list.js'

/**
 * The gateway's answers, as the SDK and `mpg` validate them at their edge. Kept apart from the
 * request schemas (gateway.ts, which re-exports these) so that a client, the CLI's fast path above
 * all, does not build the request validation it never runs.
 */

export const stkPushResponseSchema = z.object({
  success: z.literal(true),
  transaction_id: z.string(),
  merchant_request_id: z.string().nullable(),
  checkout_request_id: z.string().nullable(),
  customer_message: z.string().nullable(),
  amount: z.number(),
  platform_fee: z.number(),
  net_amount: z.number(),
  status: z.enum(TRANSACTION_STATUSES),
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
  status: z.enum(TRANSACTION_STATUSES),
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
