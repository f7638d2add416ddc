import type { TransactionStatusResult } from '../src/schemas/daraja.js'
import { darajaTimestamp } from '../src/utils/daraja-time.js'
import type { ForcedTransactionStatus } from './faults.js'
import { b2cResultDesc } from './result-codes.js'
import type { B2cTransaction } from './state.js'

/** One accepted Transaction Status query, answered later on its ResultURL. */
export interface StatusQuery {
  /** The query's own ids (from its ack), not the B2C's. */
  conversationId: string
  originatorConversationId: string
  /** What the caller asked about: a receipt and/or the original OriginatorConversationID. */
  transactionId: string | null
  originalConversationId: string | null
  resultUrl: string
  occasion: string | null
  credentialsOk: boolean
  forced: ForcedTransactionStatus | undefined
  /** `MBN0000000`: the zero-padded receipt Daraja puts on results that are not transactions. */
  paddedTransactionId: string
}

export const STATUS_NOT_FOUND = { code: 2032, desc: 'The transaction receipt number does not exist.' }

/**
 * The B2C a query names: by receipt (`TransactionID`) or by `OriginalConversationID`, which
 * matches the B2C's OriginatorConversationID or its ConversationID (both are seen in the wild).
 */
export function findB2c(b2cs: Iterable<B2cTransaction>, q: Pick<StatusQuery, 'transactionId' | 'originalConversationId'>): B2cTransaction | undefined {
  for (const txn of b2cs) {
    if (q.transactionId !== null && txn.transactionId === q.transactionId) return txn
    if (q.originalConversationId !== null && (txn.originatorConversationId === q.originalConversationId || txn.conversationId === q.originalConversationId)) return txn
  }
  return undefined
}

/**
 * The result body (times and Amount as strings, as in Daraja's sample), or null when none is sent (a forced `no_result`). Completed B2Cs report
 * `TransactionStatus` `Completed` (result 0) or `Declined` (any other result, its text in
 * `TransactionReason`); a B2C whose result is not out yet reports `Pending`.
 */
export function statusResultBody(q: StatusQuery, b2c: B2cTransaction | undefined, now: Date): TransactionStatusResult | null {
  if (q.forced?.outcome === 'no_result') return null
  const head = {
    ResultType: 0,
    OriginatorConversationID: q.originatorConversationId,
    ConversationID: q.conversationId,
    TransactionID: q.paddedTransactionId,
    ReferenceData: { ReferenceItem: q.occasion === null ? { Key: 'Occasion' } : { Key: 'Occasion', Value: q.occasion } },
  }
  if (!q.credentialsOk) return { Result: { ...head, ResultCode: 2001, ResultDesc: b2cResultDesc(2001) } }
  if (q.forced?.outcome === 'failed') {
    const code = q.forced.resultCode ?? 17
    return { Result: { ...head, ResultCode: code, ResultDesc: q.forced.resultDesc ?? b2cResultDesc(code) } }
  }
  if (q.forced?.outcome === 'not_found' || !b2c) {
    return { Result: { ...head, ResultCode: STATUS_NOT_FOUND.code, ResultDesc: STATUS_NOT_FOUND.desc } }
  }
  const status = b2c.status !== 'completed' ? 'Pending' : b2c.resultCode === 0 ? 'Completed' : 'Declined'
  const finalised = b2c.completedAt ?? now
  return {
    Result: {
      ...head,
      ResultCode: 0,
      ResultDesc: 'The service request is processed successfully.',
      ResultParameters: {
        ResultParameter: [
          { Key: 'DebitPartyName', Value: `${b2c.partyA} - Emulated Business` },
          { Key: 'CreditPartyName', Value: `${b2c.partyB} - JOHN DOE` },
          { Key: 'OriginatorConversationID', Value: b2c.originatorConversationId },
          { Key: 'InitiatedTime', Value: darajaTimestamp(b2c.createdAt) },
          { Key: 'DebitAccountType', Value: 'Utility Account' },
          { Key: 'DebitPartyCharges', Value: '' },
          status === 'Declined' ? { Key: 'TransactionReason', Value: b2c.resultDesc ?? '' } : { Key: 'TransactionReason' },
          { Key: 'ReasonType', Value: 'Business Payment to Customer via API' },
          { Key: 'TransactionStatus', Value: status },
          { Key: 'FinalisedTime', Value: darajaTimestamp(finalised) },
          { Key: 'Amount', Value: String(b2c.amount) },
          { Key: 'ConversationID', Value: b2c.conversationId },
          { Key: 'ReceiptNo', Value: b2c.transactionId },
        ],
      },
    },
  }
}
