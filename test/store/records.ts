import type { TransactionRecord } from '../../src/store/records.js'

/** A pending transaction record for store tests; override any field. */
export function transaction(id: string, overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  return {
    id,
    account_id: 'acct_1',
    mode: 'test',
    reference: 'R',
    description: 'D',
    phone: '254712345678',
    amount: 100,
    platform_fee: 1.5,
    net_amount: 98.5,
    status: 'pending',
    merchant_request_id: null,
    checkout_request_id: `ws_CO_${id}`,
    customer_message: null,
    mpesa_receipt_number: null,
    result_code: null,
    result_desc: null,
    callback_token: `tok_${id}`,
    created_at: new Date().toISOString(),
    completed_at: null,
    payout: null,
    ...overrides,
  }
}
