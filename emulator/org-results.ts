import { darajaTimestamp } from '../src/utils/daraja-time.js'
import { accountBalanceText, utilityAccountText, type LedgerPayment, type OrgAccounts } from './ledger.js'
import type { ResultEnvelope } from './payloads.js'
import { Decimal } from './wire-json.js'

export interface BalanceQuery {
  conversationId: string
  originatorConversationId: string
  shortcode: string
  resultUrl: string
  credentialsOk: boolean
}

export interface ReversalRequest {
  conversationId: string
  originatorConversationId: string
  transactionId: string
  amount: number
  receiverParty: string
  resultUrl: string
  credentialsOk: boolean
}

/** A verdict of an org API: a result code (numbers, or Reversal's `R000001`-style strings) and its text. */
export interface OrgVerdict {
  resultCode: number | string
  resultDesc: string
}

const BALANCE_REFERENCE_URL = 'https://internalsandbox.safaricom.co.ke/mpesa/abresults/v1/submit'
const REVERSAL_REFERENCE_URL = 'https://internalsandbox.safaricom.co.ke/mpesa/reversalresults/v1/submit'

/** The `TransactionID` of a result that moved no money: the day's receipt letters padded with zeros (`UJ20000000`). */
export function noTransactionId(receipt: string): string {
  return `${receipt.slice(0, 3)}0000000`
}

/**
 * Account Balance result. Success: `AccountBalance` and `BOCompletedTime` (Safaricom's sample).
 * Failure: `ActionType`, `ErrorMsg`, `BOCompletedTime` and a ReferenceItem without a Value, as
 * captured from the real sandbox (a locked initiator, 2026).
 */
export function balanceResultBody(q: BalanceQuery, verdict: OrgVerdict, accounts: OrgAccounts, transactionId: string, now: Date): ResultEnvelope {
  const completed = Number(darajaTimestamp(now))
  const ok = verdict.resultCode === 0
  return {
    Result: {
      ResultType: 0,
      ResultCode: verdict.resultCode,
      ResultDesc: verdict.resultDesc,
      OriginatorConversationID: q.originatorConversationId,
      ConversationID: q.conversationId,
      TransactionID: transactionId,
      ResultParameters: {
        ResultParameter: ok
          ? [
              { Key: 'AccountBalance', Value: accountBalanceText(accounts) },
              { Key: 'BOCompletedTime', Value: completed },
            ]
          : [
              { Key: 'ActionType', Value: 'AccountBalance' },
              { Key: 'ErrorMsg', Value: verdict.resultCode === 8006 ? 'API Password is locked. ' : verdict.resultDesc },
              { Key: 'BOCompletedTime', Value: completed },
            ],
      },
      ReferenceData: { ReferenceItem: ok ? { Key: 'QueueTimeoutURL', Value: BALANCE_REFERENCE_URL } : { Key: 'QueueTimeoutURL' } },
    },
  }
}

/**
 * Reversal result. Success carries the seven parameters of Safaricom's sample (amounts as
 * decimals); a failure (`R000001`, `R000002`, `2001`…) none, as captured from the sandbox.
 */
export function reversalResultBody(
  r: ReversalRequest,
  verdict: OrgVerdict,
  reversed: { payment: LedgerPayment; accounts: OrgAccounts; receipt: string } | undefined,
  failedTransactionId: string,
  now: Date,
): ResultEnvelope {
  const result: ResultEnvelope['Result'] = {
    ResultType: 0,
    ResultCode: verdict.resultCode,
    ResultDesc: verdict.resultDesc,
    OriginatorConversationID: r.originatorConversationId,
    ConversationID: r.conversationId,
    TransactionID: reversed?.receipt ?? failedTransactionId,
  }
  if (reversed) {
    result.ResultParameters = {
      ResultParameter: [
        { Key: 'DebitAccountBalance', Value: utilityAccountText(reversed.accounts) },
        { Key: 'Amount', Value: new Decimal(reversed.payment.amount) },
        { Key: 'TransCompletedTime', Value: Number(darajaTimestamp(now)) },
        { Key: 'OriginalTransactionID', Value: reversed.payment.receipt },
        { Key: 'Charge', Value: new Decimal(0) },
        { Key: 'CreditPartyPublicName', Value: `${reversed.payment.msisdn} - JOHN DOE` },
        { Key: 'DebitPartyPublicName', Value: `${reversed.payment.shortcode} - Emulated Organisation` },
      ],
    }
  }
  result.ReferenceData = { ReferenceItem: { Key: 'QueueTimeoutURL', Value: REVERSAL_REFERENCE_URL } }
  return { Result: result }
}
