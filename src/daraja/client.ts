import { b2cAckSchema, stkPushResponseSchema, stkQueryResponseSchema, transactionStatusAckSchema } from '../schemas/daraja.js'
import type { B2cAck, StkPushResponse, StkQueryResponse, TransactionStatusAck } from '../schemas/daraja.js'
import { darajaTimestamp, stkPassword } from '../utils/daraja-time.js'
import type { z } from 'zod'
import { darajaCall } from './call.js'
import { DarajaCallError } from './errors.js'
import { TokenCache } from './token-cache.js'
import type { RequestThread } from '../http/request-thread.js'

export interface DarajaSettings {
  baseUrl: string
  consumerKey: string
  consumerSecret: string
  shortcode: string
  passkey: string
  transactionType: 'CustomerPayBillOnline' | 'CustomerBuyGoodsOnline'
  partyB?: string
  b2cShortcode?: string
  initiatorName?: string
  securityCredential?: string
  timeoutMs: number
  /** The clock tokens age on (the gateway's business clock: a virtual one ages them with the emulator's); default Date.now. */
  now?: () => number
  /**
   * The thread to make the exchanges on once it has loaded (a long-running gateway's sending
   * thread); inline without one, before it has loaded and after it stopped.
   */
  thread?: RequestThread
}

export interface StkPushInput {
  phone: string
  amount: number
  reference: string
  description: string
  callbackUrl: string
}

export interface B2cInput {
  originatorConversationId: string
  phone: string
  amount: number
  remarks: string
  resultUrl: string
  queueTimeoutUrl: string
}

/** What a Transaction Status query names: the receipt and/or the B2C's OriginatorConversationID. */
export interface TransactionStatusInput {
  transactionId?: string
  originalConversationId?: string
  resultUrl: string
  queueTimeoutUrl: string
  remarks: string
}

/** Daraja's own field limits (daraja.md §3.1); the full values stay on our transaction. */
const ACCOUNT_REFERENCE_MAX = 12
const TRANSACTION_DESC_MAX = 13

export interface DarajaClient {
  stkPush(input: StkPushInput): Promise<StkPushResponse>
  stkQuery(checkoutRequestId: string): Promise<{ status: number; data: StkQueryResponse }>
  b2c(input: B2cInput): Promise<B2cAck>
  /** Asks about a B2C (asynchronous: the answer comes to `resultUrl`). */
  transactionStatus(input: TransactionStatusInput): Promise<TransactionStatusAck>
}

export function createDarajaClient(settings: DarajaSettings): DarajaClient {
  const tokens = new TokenCache({
    baseUrl: settings.baseUrl,
    consumerKey: settings.consumerKey,
    consumerSecret: settings.consumerSecret,
    timeoutMs: settings.timeoutMs,
    now: settings.now,
    thread: settings.thread,
  })
  // Options and bodies are written out field by field: on Node 20 an object spread followed by
  // properties the spread object lacks (`{ ...common, path }`) takes V8's slow path, 1-3 µs each;
  // the two on every STK push cost ~10 µs (bench/README.md).
  const call = <T>(path: string, schema: z.ZodType<T>, body: unknown) => darajaCall({ baseUrl: settings.baseUrl, tokens, timeoutMs: settings.timeoutMs, path, schema, body, thread: settings.thread })
  // Timestamp and Password change once a second: computed once for every call in that second.
  let second = -1
  let current = { BusinessShortCode: settings.shortcode, Password: '', Timestamp: '' }
  const credentials = () => {
    const now = Date.now()
    if (Math.floor(now / 1000) !== second) {
      second = Math.floor(now / 1000)
      // Daraja's convention is East Africa Time, which is what we send.
      const timestamp = darajaTimestamp(new Date(now))
      current = { BusinessShortCode: settings.shortcode, Password: stkPassword(settings.shortcode, settings.passkey, timestamp), Timestamp: timestamp }
    }
    return current
  }

  return {
    async stkPush(input) {
      const { BusinessShortCode, Password, Timestamp } = credentials()
      const answer = await call('/mpesa/stkpush/v1/processrequest', stkPushResponseSchema, {
        BusinessShortCode,
        Password,
        Timestamp,
        TransactionType: settings.transactionType,
        Amount: input.amount,
        PartyA: input.phone,
        PartyB: settings.partyB ?? settings.shortcode,
        PhoneNumber: input.phone,
        CallBackURL: input.callbackUrl,
        AccountReference: input.reference.slice(0, ACCOUNT_REFERENCE_MAX),
        TransactionDesc: input.description.slice(0, TRANSACTION_DESC_MAX),
      })
      if (answer.data.ResponseCode !== '0') {
        throw new DarajaCallError('refused', answer.status, answer.data.ResponseCode, answer.data.ResponseDescription)
      }
      return answer.data
    },

    async stkQuery(checkoutRequestId) {
      const { BusinessShortCode, Password, Timestamp } = credentials()
      return call('/mpesa/stkpushquery/v1/query', stkQueryResponseSchema, { BusinessShortCode, Password, Timestamp, CheckoutRequestID: checkoutRequestId })
    },

    async b2c(input) {
      const initiator = b2cInitiator()
      const answer = await call('/mpesa/b2c/v3/paymentrequest', b2cAckSchema, {
        OriginatorConversationID: input.originatorConversationId,
        InitiatorName: initiator.name,
        SecurityCredential: initiator.credential,
        CommandID: 'BusinessPayment',
        Amount: input.amount,
        PartyA: initiator.shortcode,
        PartyB: input.phone,
        Remarks: input.remarks.slice(0, 100),
        QueueTimeOutURL: input.queueTimeoutUrl,
        ResultURL: input.resultUrl,
        Occassion: 'Payout',
      })
      return accepted(answer)
    },

    async transactionStatus(input) {
      const initiator = b2cInitiator()
      const answer = await call('/mpesa/transactionstatus/v1/query', transactionStatusAckSchema, {
        Initiator: initiator.name,
        SecurityCredential: initiator.credential,
        CommandID: 'TransactionStatusQuery',
        ...(input.transactionId ? { TransactionID: input.transactionId } : {}),
        ...(input.originalConversationId ? { OriginalConversationID: input.originalConversationId } : {}),
        PartyA: initiator.shortcode,
        IdentifierType: '4',
        ResultURL: input.resultUrl,
        QueueTimeOutURL: input.queueTimeoutUrl,
        Remarks: input.remarks.slice(0, 100),
        Occasion: 'Payout check',
      })
      return accepted(answer)
    },
  }

  /** B2C and Transaction Status act as the B2C shortcode's API operator. */
  function b2cInitiator() {
    if (!settings.b2cShortcode || !settings.initiatorName || !settings.securityCredential) {
      throw new DarajaCallError('refused', null, null, 'B2C is not configured (DARAJA_B2C_SHORTCODE, DARAJA_INITIATOR_NAME, DARAJA_SECURITY_CREDENTIAL)')
    }
    return { shortcode: settings.b2cShortcode, name: settings.initiatorName, credential: settings.securityCredential }
  }
}

/** An async request's ack: anything but ResponseCode "0" is a refusal. */
function accepted(answer: { status: number; data: B2cAck }): B2cAck {
  if (answer.data.ResponseCode !== '0') {
    throw new DarajaCallError('refused', answer.status, answer.data.ResponseCode, answer.data.ResponseDescription)
  }
  return answer.data
}
