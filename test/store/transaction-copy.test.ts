import { describe, expect, it } from 'vitest'
import { shallowCopy } from '../../src/store/frozen.js'
import type { TransactionRecord } from '../../src/store/records.js'
import { copyTransaction } from '../../src/store/transaction-copy.js'

/** A payment as the STK push use-case makes one (its fields in that order). */
const pushed = (): TransactionRecord => ({
  id: 'b3f1c9a2-1111-4222-8333-944455556666',
  account_id: 'acct_1',
  mode: 'test',
  reference: 'ORDER-1',
  description: 'T-shirt',
  phone: '254708374149',
  amount: 100,
  platform_fee: 1.5,
  net_amount: 98.5,
  status: 'pending',
  merchant_request_id: null,
  checkout_request_id: null,
  customer_message: null,
  mpesa_receipt_number: null,
  result_code: null,
  result_desc: null,
  callback_token: 'tok',
  created_at: '2026-11-30T11:00:00.000Z',
  completed_at: null,
  payout: null,
  daraja_error: null,
})

/** The copy's own fields, in order, with their values (what JSON.stringify and the journal see). */
const fields = (value: object) => Object.entries(value)

describe('copyTransaction', () => {
  it('copies a payment as pushed: the same fields in the same order, a new object', () => {
    const t = pushed()
    const copy = copyTransaction(t)
    expect(copy).not.toBe(t)
    expect(fields(copy)).toEqual(fields(t))
    expect(JSON.stringify(copy)).toBe(JSON.stringify(shallowCopy(t)))
    copy.callback_token = 'sha256:x'
    expect(t.callback_token).toBe('tok')
  })

  it('copies any other shape as shallowCopy does (extra, missing, undefined or reordered fields)', () => {
    const { daraja_error: _dropped, ...missing } = pushed()
    const { id, ...rest } = pushed()
    const shapes: object[] = [
      { ...pushed(), late_success: null },
      missing,
      { ...pushed(), daraja_error: undefined },
      { ...rest, id },
      { ...pushed(), payout: { status: 'pending', amount: 98 } },
    ]
    for (const shape of shapes) {
      const copy = copyTransaction(shape as TransactionRecord)
      expect(copy).not.toBe(shape)
      expect(fields(copy)).toEqual(fields(shallowCopy(shape)))
    }
  })

  it('leaves out inherited fields, as shallowCopy does', () => {
    const t = Object.assign(Object.create({ inherited: 1 }) as object, pushed()) as TransactionRecord
    expect(fields(copyTransaction(t))).toEqual(fields(shallowCopy(t)))
    expect('inherited' in copyTransaction(t)).toBe(false)
  })
})
