import { darajaTimestamp } from '../src/utils/daraja-time.js'
import { parseJsonObject } from './validate.js'

/** One shortcode's registered URLs (the last registration wins, as in the sandbox). */
export interface C2bRegistration {
  shortcode: string
  version: 'v1' | 'v2'
  responseType: 'Completed' | 'Cancelled'
  confirmationUrl: string
  validationUrl: string
  registeredAt: Date
}

export type C2bStatus = 'pending' | 'completed' | 'cancelled' | 'rejected' | 'lost'

/** One simulated customer payment. */
export interface C2bPayment {
  transId: string
  shortcode: string
  commandId: 'CustomerPayBillOnline' | 'CustomerBuyGoodsOnline'
  amount: number
  msisdn: string
  billRefNumber: string
  status: C2bStatus
  /** What the validation URL answered: accepted, rejected (with its code), or no answer (ResponseType applied). */
  validation: 'accepted' | 'rejected' | 'no_answer' | null
  validationResultCode: string | null
  thirdPartyTransId: string
  createdAt: Date
  completedAt: Date | null
}

/** Words Daraja refuses in a C2B URL, in any case. */
const FORBIDDEN_IN_URL = ['m-pesa', 'mpesa', 'safaricom', 'exe', 'exec', 'cmd', 'sql', 'query']

export function forbiddenUrlWord(url: string): string | undefined {
  const lower = url.toLowerCase()
  return FORBIDDEN_IN_URL.find((word) => lower.includes(word))
}

/** v2 masks the payer's number as `2547 ***** 126` (captured from the sandbox); v1 sends it whole. */
export function maskedMsisdn(msisdn: string, version: 'v1' | 'v2'): string {
  return version === 'v2' ? `${msisdn.slice(0, 4)} ***** ${msisdn.slice(-3)}` : msisdn
}

const money = (n: number) => n.toFixed(2)

/**
 * The body M-Pesa POSTs to the validation and confirmation URLs: every value a string
 * (`TransAmount` `"10.00"`); `OrgAccountBalance` empty in validation, the new balance in confirmation.
 */
export function c2bNotificationBody(p: C2bPayment, version: 'v1' | 'v2', now: Date, orgAccountBalance: number | null) {
  return {
    TransactionType: p.commandId === 'CustomerBuyGoodsOnline' ? 'Buy Goods' : 'Pay Bill',
    TransID: p.transId,
    TransTime: darajaTimestamp(now),
    TransAmount: money(p.amount),
    BusinessShortCode: p.shortcode,
    BillRefNumber: p.billRefNumber,
    InvoiceNumber: '',
    OrgAccountBalance: orgAccountBalance === null ? '' : money(orgAccountBalance),
    ThirdPartyTransID: p.thirdPartyTransId,
    MSISDN: maskedMsisdn(p.msisdn, version),
    FirstName: 'John',
    MiddleName: '',
    LastName: 'Doe',
  }
}

/**
 * Reads the validation URL's answer: `{"ResultCode": "0"}` (or 0) accepts, any other ResultCode
 * (`C2B00011`…) rejects; no answer, a non-2xx status or a body without ResultCode is no answer at
 * all, and the registered ResponseType decides.
 */
export function readValidationAnswer(response: { status: number; body: string } | null): {
  verdict: 'accepted' | 'rejected' | 'no_answer'
  resultCode: string | null
  thirdPartyTransId: string
} {
  if (!response || response.status < 200 || response.status > 299) return { verdict: 'no_answer', resultCode: null, thirdPartyTransId: '' }
  const body = parseJsonObject(response.body)
  const code = body?.ResultCode
  if (typeof code !== 'string' && typeof code !== 'number') return { verdict: 'no_answer', resultCode: null, thirdPartyTransId: '' }
  const thirdPartyTransId = typeof body?.ThirdPartyTransID === 'string' ? body.ThirdPartyTransID : ''
  const resultCode = String(code)
  return { verdict: resultCode === '0' ? 'accepted' : 'rejected', resultCode, thirdPartyTransId }
}
