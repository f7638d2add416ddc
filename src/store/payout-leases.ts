import { DeliveryLeases } from './delivery-leases.js'
import type { PayoutRecord, TransactionRecord } from './records.js'

/**
 * When a pending M-Pesa payout's next step may be due: its Transaction Status query once a B2C was
 * taken, else its next B2C attempt (the first one at once). The earliest moment the gateway might
 * act; it checks the payout's own schedule again once it holds the lease. Null: nothing to run.
 */
export function payoutDueAt(payout: PayoutRecord | null | undefined): string | null {
  if (!payout || payout.status !== 'pending' || payout.type !== 'mpesa') return null
  // Taken before status checks were scheduled (an older store): asked about from then on.
  const at = payout.status_due_at || (payout.conversation_id ? payout.updated_at : payout.next_attempt_at || payout.created_at)
  const ms = Date.parse(at)
  // A time that does not read as one (a hand-edited store) is due at once rather than never.
  return new Date(Number.isNaN(ms) ? 0 : ms).toISOString()
}

/**
 * Payout leases of a store only one process opens (lowdb), kept in memory like its delivery
 * leases: they end with the process, which is when its payouts must be free for the next one.
 */
export class PayoutLeases {
  private readonly leases = new DeliveryLeases()

  /** Leases the due, unleased pending payouts (soonest first, at most `limit`) to `owner`. */
  claimDue(transactions: Iterable<TransactionRecord>, owner: string, leaseMs: number, limit: number, now = Date.now()): TransactionRecord[] {
    const due: Array<{ t: TransactionRecord; at: number }> = []
    for (const t of transactions) {
      const at = payoutDueAt(t.payout)
      if (at !== null && Date.parse(at) <= now && !this.leases.leased(t.id, now)) due.push({ t, at: Date.parse(at) })
    }
    const taken = due.sort((a, b) => a.at - b.at).slice(0, limit)
    for (const { t } of taken) this.leases.take(t.id, owner, leaseMs, now)
    return taken.map(({ t }) => t)
  }

  /** Leases one pending payout (due or not) unless another owner's lease runs. */
  claim(t: TransactionRecord | undefined, owner: string, leaseMs: number, now = Date.now()): TransactionRecord | undefined {
    if (!t || t.payout?.status !== 'pending' || !this.leases.take(t.id, owner, leaseMs, now)) return undefined
    return t
  }

  /** Whether `owner` still holds the payout of `transactionId` (the fence of its changes). */
  holds(transactionId: string, owner: string): boolean {
    return this.leases.holds(transactionId, owner)
  }

  end(transactionId: string, owner: string): void {
    this.leases.end(transactionId, owner)
  }
}
