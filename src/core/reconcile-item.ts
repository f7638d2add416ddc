import type { ReconcileItem } from '../schemas/reconcile.js'
import type { TransactionRecord } from '../store/records.js'

type Found = Omit<ReconcileItem, 'transaction_id' | 'account_id' | 'mode' | 'reference' | 'amount' | 'created_at'> & { amount?: number }

/** A report line about `t` (a payout's line carries the payout's amount): its identity plus what was found and done. */
export function reconcileItem(t: TransactionRecord, found: Found): ReconcileItem {
  return { transaction_id: t.id, account_id: t.account_id, mode: t.mode, reference: t.reference, amount: t.amount, created_at: t.created_at, ...found }
}

/** What a run may do: settle what Daraja proves (fix), and also correct a final state (force). */
export interface FixMode {
  fix: boolean
  force: boolean
}
