import { paymentEvent, payoutEvent } from '../core/event-data.js'
import type { EventType } from '../schemas/webhooks.js'
import type { PayoutRecord, TransactionRecord } from '../store/records.js'
import { newId } from '../utils/ids.js'
import { splitFee } from '../utils/money.js'
import type { EventBody } from './event-body.js'

export const PAYMENT_AND_PAYOUT_EVENTS = ['payment.success', 'payment.failed', 'payout.success', 'payout.failed', 'payout.pending_manual'] as const satisfies readonly EventType[]

/**
 * Bodies shaped exactly like real deliveries (built by the same functions the gateway uses for its
 * events, from a plausible transaction), for exercising a receiver without a payment.
 */
export function sampleEvent(type: (typeof PAYMENT_AND_PAYOUT_EVENTS)[number], now = new Date()): EventBody {
  const at = now.toISOString()
  const amount = 100
  const fee = splitFee(amount, 1.5)
  const failedPayment = type === 'payment.failed'
  const payoutStatus: PayoutRecord['status'] | null =
    type === 'payout.success' ? 'success' : type === 'payout.failed' ? 'failed' : type === 'payout.pending_manual' ? 'pending_manual' : null
  const t: TransactionRecord = {
    id: newId('txn'),
    account_id: 'acct_sample',
    mode: 'test',
    reference: 'ORDER-42',
    description: 'Sample order',
    phone: '254708374149',
    amount,
    ...fee,
    status: failedPayment ? 'failed' : 'success',
    merchant_request_id: '29115-34620561-1',
    checkout_request_id: 'ws_CO_191220191020363925',
    customer_message: 'Success. Request accepted for processing',
    mpesa_receipt_number: failedPayment ? null : 'NLJ7RT61SV',
    result_code: failedPayment ? '1032' : '0',
    result_desc: failedPayment ? 'Request cancelled by user' : 'The service request is processed successfully.',
    callback_token: 'sample',
    created_at: at,
    completed_at: at,
    payout: null,
  }
  if (payoutStatus) {
    t.payout = {
      status: payoutStatus,
      type: payoutStatus === 'pending_manual' ? 'bank' : 'mpesa',
      amount: fee.net_amount,
      destination: payoutStatus === 'pending_manual' ? { type: 'bank', bank: 'KCB', account_number: '1234567890' } : { type: 'mpesa', phone: '254708374149' },
      mpesa_receipt: payoutStatus === 'success' ? 'NLJ41HAY6Q' : null,
      result_code: payoutStatus === 'success' ? '0' : payoutStatus === 'failed' ? '2001' : null,
      result_desc: payoutStatus === 'success' ? 'The service request is processed successfully.' : payoutStatus === 'failed' ? 'The initiator information is invalid.' : null,
      created_at: at,
      updated_at: at,
    }
  }
  const draft = type.startsWith('payment.') ? paymentEvent(t) : payoutEvent(t)
  return { id: newId('evt'), event: draft.event, created_at: at, data: draft.data }
}
