/**
 * The records the store keeps. Plain data: no storage-engine types leak out of src/store/.
 * Times are ISO-8601 UTC strings.
 */
import type { EventType } from '../schemas/webhooks.js'

export type Mode = 'test' | 'live'

export type PayoutAccount =
  | { type: 'mpesa'; phone: string }
  | { type: 'paybill'; paybill: string; account_number: string }
  | { type: 'till'; till: string }
  | { type: 'bank'; bank: string; account_number: string }

export interface AccountRecord {
  id: string
  name: string
  payout_account: PayoutAccount | null
  created_at: string
}

export interface ApiKeyRecord {
  id: string
  account_id: string
  mode: Mode
  name: string | null
  /** First characters of the key, for people to recognise it (`mpg_test_AbC1…`). */
  prefix: string
  /** SHA-256 hex of the full key; the key itself is never stored. */
  hash: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export type TransactionStatus = 'pending' | 'success' | 'failed'

/**
 * `needs_attention`: a B2C whose outcome Daraja could not tell us (no result, and Transaction
 * Status does not know it); an operator checks the M-Pesa statement and settles it.
 */
export type PayoutStatus = 'pending' | 'success' | 'failed' | 'pending_manual' | 'settled' | 'needs_attention'

export interface PayoutRecord {
  status: PayoutStatus
  type: PayoutAccount['type']
  amount: number
  destination: PayoutAccount
  /** B2C bookkeeping, for M-Pesa payouts. */
  originator_conversation_id?: string
  conversation_id?: string | null
  callback_token?: string
  mpesa_receipt?: string | null
  result_code?: string | null
  result_desc?: string | null
  attempts?: number
  /** When the next B2C attempt is due after a transient refusal (the retry schedule); null: none planned. */
  next_attempt_at?: string | null
  /** Some attempt's outcome is unknown (timeout, reset): Daraja may have taken the B2C. */
  uncertain?: boolean
  /** When to ask Daraja (Transaction Status) if no result has come by then. */
  status_due_at?: string | null
  /** Transaction Status queries sent so far. */
  status_checks?: number
  /** Daraja's last Transaction Status answer that settled nothing, in words. */
  status_answer?: string | null
  /** Why the payout needs attention (for the operator). */
  attention_reason?: string | null
  /** The last `mpg reconcile` question about this B2C (Transaction Status) and Daraja's answer, once it came. */
  reconcile_check?: ReconcileCheck | null
  created_at: string
  updated_at: string
  settled_at?: string | null
}

/** What Daraja answered a reconcile run's Transaction Status query (null fields: no answer yet). */
export interface ReconcileCheck {
  /** The run that asked: an answer is recorded only for the run its URL names. */
  run_id: string
  asked_at: string
  answered_at: string | null
  verdict: 'paid' | 'not_paid' | 'unknown' | null
  receipt: string | null
  /** Daraja's words: the reason it did not pay, or what it answered when it could not say. */
  detail: string | null
}

export interface TransactionRecord {
  id: string
  account_id: string
  mode: Mode
  reference: string
  description: string
  phone: string
  amount: number
  platform_fee: number
  net_amount: number
  status: TransactionStatus
  merchant_request_id: string | null
  checkout_request_id: string | null
  customer_message: string | null
  mpesa_receipt_number: string | null
  result_code: string | null
  result_desc: string | null
  /** Secret part of this transaction's Daraja callback URL. */
  callback_token: string
  created_at: string
  completed_at: string | null
  payout: PayoutRecord | null
  /** Daraja's synchronous error when the push was refused. */
  daraja_error?: { status: number | null; code: string | null; message: string } | null
  /**
   * A success Daraja reported after the payment had already failed (a 1037, then the customer's
   * money taken after all). Kept for the operator; the final state is not reversed.
   */
  late_success?: LateSuccess | null
}

export interface LateSuccess {
  mpesa_receipt_number: string
  amount: number
  result_desc: string
  received_at: string
}

export type IdempotencyState = 'in_flight' | 'done'

export interface IdempotencyRecord {
  /** `${account_id}:${mode}:${key}` */
  scope: string
  fingerprint: string
  state: IdempotencyState
  status_code: number | null
  /**
   * The answer a replay gives (null while in flight). A 201 with null here is an STK push's answer
   * kept by reference, not copied: the payment's push view as first given, rebuilt from the
   * payment (see stk-push.ts).
   */
  response: unknown
  /** The transaction this request created, so a crash mid-request can be settled at start-up. */
  transaction_id: string | null
  created_at: string
}

export type { EventType }

export interface EventRecord {
  id: string
  /** Store-wide order, for streams and resumption. */
  seq: number
  account_id: string
  mode: Mode
  event: EventType
  created_at: string
  data: Record<string, unknown>
}

export interface WebhookEndpointRecord {
  id: string
  account_id: string
  mode: Mode
  url: string
  /** Empty means every event. */
  events: EventType[]
  /** The signing secret, sealed with the data dir's key (AES-256-GCM); never stored in clear. */
  sealed_secret: string
  created_at: string
  deleted_at: string | null
  /** Set when every attempt failed for MPG_WEBHOOK_DISABLE_AFTER_S: no new deliveries until re-enabled. Absent means null. */
  disabled_at?: string | null
  /** When the current run of failed attempts began (cleared by a success); absent means null. */
  failing_since?: string | null
}

export interface DeliveryAttempt {
  at: string
  status_code: number | null
  duration_ms: number
  error: string | null
  /** First 1 KiB of the response body. */
  response_body: string | null
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed'

export interface DeliveryRecord {
  id: string
  event_id: string
  endpoint_id: string
  account_id: string
  mode: Mode
  event: EventType
  status: DeliveryStatus
  attempts: DeliveryAttempt[]
  next_attempt_at: string | null
  /** Attempts made before the current round (a resend starts a new round with its own retries); absent means 0. */
  round_start?: number
  created_at: string
  updated_at: string
}
