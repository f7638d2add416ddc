import { z } from 'zod'

/**
 * What one round of background work did (`POST /api/v1/cron/tick` answers it; `mpg worker` logs
 * it). Counts, never ids: the answer goes to a scheduler's log.
 */
export const roundSummarySchema = z.object({
  /** Whether this round held the leadership, so did the leader's share (reconciling payments, housekeeping). */
  leader: z.boolean(),
  deliveries: z.object({
    /** Due webhook deliveries this round leased and attempted (at most the round's limit). */
    attempted: z.number().int().min(0),
    succeeded: z.number().int().min(0),
    /** Failed this time, with a retry scheduled. */
    retrying: z.number().int().min(0),
    /** Failed for good (retries used up, or the endpoint is gone). */
    failed: z.number().int().min(0),
  }),
  payments: z.object({
    /** Pending payments past MPG_RECONCILE_AFTER_S asked about (STK Query). */
    checked: z.number().int().min(0),
    /** Of those, settled (success or failed) by the answer. */
    settled: z.number().int().min(0),
  }),
  payouts: z.object({
    /** Due B2C attempts made (first, or a retry). */
    sent: z.number().int().min(0),
    /** Payouts whose result is late, asked about (Transaction Status). */
    status_checked: z.number().int().min(0),
  }),
  /** Idempotency-Keys past their 24 h life removed. */
  idempotency_pruned: z.number().int().min(0),
  duration_ms: z.number().min(0),
})
export type RoundSummary = z.infer<typeof roundSummarySchema>
