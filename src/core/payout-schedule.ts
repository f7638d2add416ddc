import type { PayoutRecord } from '../store/records.js'

/** Derived from the transaction, so Daraja's v3 dedupe refuses a second B2C for it. */
export function originatorConversationId(transactionId: string): string {
  return `mpg-${transactionId}`
}

/** ConversationID kept when Daraja's duplicate check, not an ack, told us the B2C was taken. */
export const TAKEN_WITHOUT_ID = 'duplicate-accepted'

/** ±25 % jitter, so payouts refused together (a spike arrest) do not come back together. */
export function withJitter(ms: number): number {
  return Math.round(ms * (0.75 + Math.random() * 0.5))
}

/** Not taken by Daraja yet, attempts left, and the retry schedule says now. */
export function b2cDue(payout: PayoutRecord | null | undefined, now: number, maxAttempts: number): boolean {
  if (!payout || payout.status !== 'pending' || payout.type !== 'mpesa' || payout.conversation_id) return false
  if ((payout.attempts ?? 0) >= maxAttempts || payout.status_due_at) return false
  return !payout.next_attempt_at || Date.parse(payout.next_attempt_at) <= now
}

/** Waiting for a result that is late: time to ask Daraja (Transaction Status). */
export function statusCheckDue(payout: PayoutRecord | null | undefined, now: number, statusAfterMs: number): boolean {
  if (!payout || payout.status !== 'pending' || payout.type !== 'mpesa') return false
  if (payout.status_due_at) return Date.parse(payout.status_due_at) <= now
  // Acknowledged before status checks were recorded (an older data dir).
  return Boolean(payout.conversation_id) && Date.parse(payout.updated_at) + statusAfterMs <= now
}
