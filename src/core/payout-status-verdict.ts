import { resultParameter, type TransactionStatusResult } from '../schemas/daraja.js'
import type { PayoutRecord } from '../store/records.js'
import { TAKEN_WITHOUT_ID } from './payout-schedule.js'

/** `TransactionStatus` values that say the B2C did not pay (the money never left). */
const NOT_PAID = new Set(['declined', 'failed', 'cancelled', 'expired'])

/**
 * What a Transaction Status result says about one payout's B2C: `paid` (with the receipt),
 * `not_paid` (with Daraja's reason), `unknown` (not found, pending, an error: Daraja cannot say),
 * or `mismatch` (the result names another B2C).
 */
export type PayoutStatusVerdict =
  | { kind: 'paid'; receipt: string | null; desc: string }
  | { kind: 'not_paid'; reason: string }
  | { kind: 'unknown'; answer: string }
  | { kind: 'mismatch' }

/** Reads a Transaction Status result against the payout it was asked about (one reading for every caller). */
export function readPayoutStatus(payout: PayoutRecord, payload: TransactionStatusResult): PayoutStatusVerdict {
  const r = payload.Result
  const code = String(r.ResultCode)
  if (code !== '0') return { kind: 'unknown', answer: `${code} ${r.ResultDesc}` }
  const raw = r.ResultParameters?.ResultParameter
  const params = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  const read = (key: string) => {
    const value = resultParameter(params, key)
    return value === undefined || value === '' ? undefined : String(value)
  }
  const ours = new Set([payout.originator_conversation_id, payout.conversation_id].filter((id) => id && id !== TAKEN_WITHOUT_ID))
  const named = [read('OriginatorConversationID'), read('ConversationID')].filter((id) => id !== undefined)
  if (named.length > 0 && !named.some((id) => ours.has(id))) return { kind: 'mismatch' }
  const status = read('TransactionStatus') ?? ''
  if (status.toLowerCase() === 'completed') return { kind: 'paid', receipt: read('ReceiptNo') ?? null, desc: r.ResultDesc }
  if (NOT_PAID.has(status.toLowerCase())) return { kind: 'not_paid', reason: read('TransactionReason') ?? `Daraja's Transaction Status says the B2C was ${status}` }
  return { kind: 'unknown', answer: `TransactionStatus ${status || 'missing'}` }
}
