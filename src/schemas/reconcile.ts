/** Wire shapes of `POST /api/v1/admin/reconcile`: the question (period, fix, force) and the report. */
import { z } from 'zod'

/** `30m`, `24h`, `7d`: how far back a reconcile run looks. */
export const SINCE_PATTERN = /^(\d{1,5})(s|m|h|d)$/
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
/** Daraja keeps STK Query answers for days, not months; a longer look-back only burns its rate limits. */
export const MAX_SINCE_MS = 31 * UNIT_MS.d

/** Milliseconds of a `since` duration such as `24h`. */
export function sinceMs(since: string): number {
  const match = SINCE_PATTERN.exec(since)
  if (!match) throw new Error(`not a duration: ${since}`)
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
}

export const reconcileBodySchema = z
  .object({
    since: z
      .string()
      .regex(SINCE_PATTERN, 'since is a duration such as 30m, 24h or 7d')
      // Checked only once the form is right (zod runs every check).
      .refine((v) => !SINCE_PATTERN.test(v) || (sinceMs(v) > 0 && sinceMs(v) <= MAX_SINCE_MS), 'since must be more than 0 and at most 31d')
      .default('24h')
      .describe('How far back to look: a number and s, m, h or d (at most 31d).'),
    fix: z.boolean().default(false).describe('Settle what Daraja proves (pending payments and payouts), through the same path as a callback.'),
    force: z.boolean().default(false).describe('With fix: also correct a final state Daraja contradicts, where no money can move twice.'),
    limit: z.number().int().min(1).max(5000).default(1000).describe('Most transactions to check, newest first.'),
  })
  .strict()
  .refine((v) => !v.force || v.fix, { message: 'force applies with fix only', path: ['force'] })
export type ReconcileInput = z.output<typeof reconcileBodySchema>

/** What the gateway says about a transaction or its payout. */
export const RECONCILE_HERE = ['pending', 'success', 'failed', 'needs_attention'] as const
/** What Daraja says: paid, failed, still processing, does not know it, or gave no usable answer. */
export const RECONCILE_DARAJA = ['paid', 'failed', 'processing', 'unknown', 'no_answer'] as const

/** The disagreements a run can find. */
export const DISAGREEMENTS = [
  'paid_at_daraja_pending_here',
  'failed_at_daraja_pending_here',
  'paid_at_daraja_failed_here',
  'failed_at_daraja_success_here',
  'unknown_to_daraja',
  'daraja_did_not_answer',
  'payout_without_result',
  'payout_paid_at_daraja_failed_here',
  'payout_failed_at_daraja_success_here',
] as const
export type Disagreement = (typeof DISAGREEMENTS)[number]

/** What the run did about it: fixed it, left it (no --fix / --force, or nothing to settle), or refused (money could move twice). */
export const RECONCILE_ACTIONS = ['fixed', 'needs_fix', 'needs_force', 'refused', 'listed', 'already_settled'] as const

export const reconcileItemSchema = z.object({
  transaction_id: z.string(),
  account_id: z.string(),
  mode: z.enum(['test', 'live']),
  reference: z.string(),
  amount: z.number(),
  created_at: z.string(),
  subject: z.enum(['payment', 'payout']),
  disagreement: z.enum(DISAGREEMENTS),
  here: z.enum(RECONCILE_HERE),
  daraja: z.enum(RECONCILE_DARAJA),
  /** Daraja's own words (result code and description), when it answered. */
  daraja_detail: z.string().nullable(),
  action: z.enum(RECONCILE_ACTIONS),
  /** What happened or what to do next, in a sentence. */
  note: z.string(),
})
export type ReconcileItem = z.infer<typeof reconcileItemSchema>

export const reconcileReportSchema = z.object({
  since: z.string().describe('Start of the period, ISO-8601.'),
  until: z.string(),
  fix: z.boolean(),
  force: z.boolean(),
  checked: z.object({ payments: z.number().int(), payouts: z.number().int() }),
  /** True when the period held more transactions than `limit`: run again with a shorter since. */
  truncated: z.boolean(),
  disagreements: z.array(reconcileItemSchema),
  /** Disagreements still open after this run (not fixed). */
  unresolved: z.number().int(),
})
export type ReconcileReport = z.infer<typeof reconcileReportSchema>
