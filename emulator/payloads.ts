import type { B2cResult, StkCallback } from '../src/schemas/daraja.js'
import { darajaB2cDateTime, darajaTimestamp } from '../src/utils/daraja-time.js'
import type { B2cTransaction, StkTransaction } from './state.js'
import { Decimal } from './wire-json.js'

/** A result parameter as sent: money as a `Decimal` so it keeps its decimal point on the wire. */
export interface WireParameter {
  Key: string
  Value?: string | number | Decimal
}

/** Daraja's `{ Result: … }` envelope of the asynchronous "org" APIs (B2C, Account Balance, Reversal, Transaction Status). */
export interface ResultEnvelope {
  Result: Omit<B2cResult['Result'], 'ResultParameters' | 'ResultCode'> & {
    ResultCode: number | string
    ResultParameters?: { ResultParameter: WireParameter[] }
  }
}

/** Daraja's internal URL, which it sends instead of the caller's QueueTimeOutURL (daraja.md §5.4). */
export const B2C_REFERENCE_URL = 'https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit'

/**
 * `format(at)` made once per second of `at` rather than per call: the callbacks' times (Daraja's
 * TransactionDate number and the B2C result's `dd.MM.yyyy HH:mm:ss`, EAT) change once a second,
 * and a busy emulator sends thousands of callbacks a second.
 */
function perSecond<T>(format: (at: Date) => T): (at: Date) => T {
  let second = Number.NaN
  let value: T
  return (at) => {
    const s = Math.floor(at.getTime() / 1000)
    if (s !== second) {
      value = format(at)
      second = s
    }
    return value
  }
}

const transactionDate = perSecond((at) => Number(darajaTimestamp(at)))
const b2cCompletedDateTime = perSecond(darajaB2cDateTime)

/** The STK callback body: five metadata items in Daraja's order on success (Balance without Value), none on failure. */
export function stkCallbackBody(txn: StkTransaction): StkCallback {
  const stkCallback: StkCallback['Body']['stkCallback'] = {
    MerchantRequestID: txn.merchantRequestId,
    CheckoutRequestID: txn.checkoutRequestId,
    ResultCode: txn.resultCode ?? 0,
    ResultDesc: txn.resultDesc ?? '',
  }
  if (txn.resultCode === 0 && txn.receipt && txn.completedAt) {
    stkCallback.CallbackMetadata = {
      Item: [
        { Name: 'Amount', Value: txn.amount },
        { Name: 'MpesaReceiptNumber', Value: txn.receipt },
        { Name: 'Balance' },
        { Name: 'TransactionDate', Value: transactionDate(txn.completedAt) },
        { Name: 'PhoneNumber', Value: Number(txn.phone) },
      ],
    }
  }
  return { Body: { stkCallback } }
}

/** The B2C result body: eight ResultParameters on success, none on failure; ReferenceData always. */
export function b2cResultBody(txn: B2cTransaction): ResultEnvelope {
  const result: ResultEnvelope['Result'] = {
    ResultType: 0,
    ResultCode: txn.resultCode ?? 0,
    ResultDesc: txn.resultDesc ?? '',
    OriginatorConversationID: txn.originatorConversationId,
    ConversationID: txn.conversationId,
    TransactionID: txn.transactionId,
  }
  if (txn.resultCode === 0 && txn.completedAt) {
    result.ResultParameters = {
      ResultParameter: [
        { Key: 'TransactionAmount', Value: txn.amount },
        { Key: 'TransactionReceipt', Value: txn.transactionId },
        { Key: 'ReceiverPartyPublicName', Value: `${txn.partyB} - JOHN DOE` },
        { Key: 'TransactionCompletedDateTime', Value: b2cCompletedDateTime(txn.completedAt) },
        { Key: 'B2CUtilityAccountAvailableFunds', Value: new Decimal(txn.utilityBalanceAfter) },
        { Key: 'B2CWorkingAccountAvailableFunds', Value: new Decimal(1199371.0) },
        { Key: 'B2CRecipientIsRegisteredCustomer', Value: 'Y' },
        { Key: 'B2CChargesPaidAccountAvailableFunds', Value: new Decimal(-1980.0) },
      ],
    }
  }
  result.ReferenceData = { ReferenceItem: { Key: 'QueueTimeoutURL', Value: B2C_REFERENCE_URL } }
  return { Result: result }
}
