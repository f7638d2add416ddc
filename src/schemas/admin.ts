/** Wire shapes of the admin API (accounts, API keys, payouts a person finishes). */
import { z } from 'zod'
import { transactionSchema } from './gateway.js'
import { listLimitSchema } from './paging.js'
import { boundedText } from './text.js'

export const accountSchema = z.object({
  id: z.string(),
  name: z.string(),
  payout_account: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string(),
})
export type Account = z.infer<typeof accountSchema>

export const apiKeySchema = z.object({
  id: z.string(),
  account_id: z.string(),
  mode: z.enum(['test', 'live']),
  name: z.string().nullable(),
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  status: z.enum(['active', 'revoked']),
})
export type ApiKey = z.infer<typeof apiKeySchema>
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() })

export const PAYOUT_STATUSES = ['pending', 'success', 'failed', 'pending_manual', 'settled', 'needs_attention'] as const
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number]

/** `GET /api/v1/admin/payouts`: transactions with their payout, across accounts, oldest first. */
export const payoutListSchema = z.object({
  data: z.array(transactionSchema.extend({ account_id: z.string(), mode: z.enum(['test', 'live']) })),
  has_more: z.boolean(),
})
export type PayoutList = z.infer<typeof payoutListSchema>

/** `POST /api/v1/admin/keys` body. */
export const createApiKeyBodySchema = z
  .object({
    account_id: z.string({ error: 'account_id is required' }).min(1).max(100),
    mode: z.enum(['test', 'live'], { error: 'mode must be test or live' }),
    name: boundedText('name', 100).nullable().optional(),
  })
  .strict()

/** `POST /api/v1/admin/payouts/:transactionId/settle` body (optional): the receipt a person found on the statement. */
export const settlePayoutBodySchema = z
  .object({ mpesa_receipt: z.string().regex(/^[A-Z0-9]{10}$/, 'an M-Pesa receipt is 10 upper-case letters and digits, e.g. UJT1234567').optional() })
  .strict()

/** `GET /api/v1/admin/payouts` query. */
export const listPayoutsQuerySchema = z.object({
  status: z.enum(PAYOUT_STATUSES),
  limit: listLimitSchema({ min: 1, max: 500, fallback: 100 }),
})
