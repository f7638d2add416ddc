import { request } from 'undici'
import { stkPassword, darajaTimestamp } from '../../src/utils/daraja-time.js'
import type { RunningEmulator } from '../../emulator/index.js'

export interface HttpAnswer {
  status: number
  body: any
  text: string
  headers: Record<string, string | string[] | undefined>
}

/** A plain HTTP call for tests (not the product's outbound path: this plays the Daraja client). */
export async function http(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | undefined = options.raw
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const res = await request(url, { method: method as 'GET', headers, body })
  const text = await res.body.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  return { status: res.statusCode, body: parsed, text, headers: res.headers }
}

export function basic(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`
}

export async function getToken(em: RunningEmulator): Promise<string> {
  const res = await http('GET', `${em.url}/oauth/v1/generate?grant_type=client_credentials`, {
    headers: { authorization: basic(em.credentials.consumerKey, em.credentials.consumerSecret) },
  })
  if (res.status !== 200) throw new Error(`oauth failed: ${res.status} ${res.text}`)
  return res.body.access_token
}

export function stkBody(em: RunningEmulator, phone: string, callbackUrl: string, overrides: Record<string, unknown> = {}) {
  const timestamp = darajaTimestamp()
  return {
    BusinessShortCode: em.credentials.shortcode,
    Password: stkPassword(em.credentials.shortcode, em.credentials.passkey, timestamp),
    Timestamp: timestamp,
    TransactionType: 'CustomerPayBillOnline',
    Amount: 1,
    PartyA: phone,
    PartyB: em.credentials.shortcode,
    PhoneNumber: phone,
    CallBackURL: callbackUrl,
    AccountReference: 'INV001',
    TransactionDesc: 'Payment',
    ...overrides,
  }
}

export function queryBody(em: RunningEmulator, checkoutRequestId: string, overrides: Record<string, unknown> = {}) {
  const timestamp = darajaTimestamp()
  return {
    BusinessShortCode: em.credentials.shortcode,
    Password: stkPassword(em.credentials.shortcode, em.credentials.passkey, timestamp),
    Timestamp: timestamp,
    CheckoutRequestID: checkoutRequestId,
    ...overrides,
  }
}

export function b2cBody(em: RunningEmulator, partyB: string, resultUrl: string, overrides: Record<string, unknown> = {}) {
  return {
    InitiatorName: em.credentials.initiatorName,
    SecurityCredential: em.credentials.securityCredential,
    CommandID: 'BusinessPayment',
    Amount: 10,
    PartyA: em.credentials.b2cShortcode,
    PartyB: partyB,
    Remarks: 'payout',
    QueueTimeOutURL: `${resultUrl}/timeout`,
    ResultURL: resultUrl,
    Occassion: 'test',
    ...overrides,
  }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
