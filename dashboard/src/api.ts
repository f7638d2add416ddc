/** The gateway's public API, called from the page's own origin with the Bearer token of the session. */

/** An error answer of the API: `{error, hint, detail}`, shown to the user as the API wrote it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly hint: string,
    readonly detail: string,
  ) {
    super(error)
  }
}

type Method = 'GET' | 'POST' | 'DELETE'

export async function call<T>(token: string, method: Method, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    })
  } catch {
    throw new ApiError(0, 'The gateway did not answer', 'Check that `mpg serve` is still running, then retry.', '')
  }
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined
  }
  if (!res.ok) {
    const e = (parsed ?? {}) as Partial<Record<'error' | 'hint' | 'detail', unknown>>
    throw new ApiError(
      res.status,
      typeof e.error === 'string' ? e.error : `HTTP ${res.status}`,
      typeof e.hint === 'string' ? e.hint : '',
      typeof e.detail === 'string' ? e.detail : '',
    )
  }
  return parsed as T
}

/** Wire shapes the dashboard reads (the subset it uses). */
export type TransactionStatus = 'pending' | 'success' | 'failed'

export interface Payout {
  status: string
  type: string
  amount: number
  mpesa_receipt: string | null
  result_code: string | null
  result_desc: string | null
  created_at: string
  updated_at: string
  settled_at: string | null
}

export interface Transaction {
  id: string
  reference: string
  description: string
  amount: number
  platform_fee: number
  net_amount: number
  status: TransactionStatus
  phone: string
  mode: string
  mpesa_receipt_number: string | null
  result_code: string | null
  result_desc: string | null
  merchant_request_id: string | null
  checkout_request_id: string | null
  created_at: string
  completed_at: string | null
  payout: Payout | null
}

export interface TransactionPage {
  data: Transaction[]
  has_more: boolean
  next_cursor: string | null
}

export interface Attempt {
  at: string
  status_code: number | null
  duration_ms: number
  error: string | null
  response_body: string | null
}

export interface Delivery {
  id: string
  event_id: string
  endpoint_id: string
  event: string
  status: 'pending' | 'succeeded' | 'failed'
  attempts: Attempt[]
  next_attempt_at: string | null
  created_at: string
  updated_at: string
}

export interface TimelineEvent {
  id: string
  event: string
  created_at: string
  data: Record<string, unknown>
  deliveries: Delivery[]
}

export interface Endpoint {
  id: string
  url: string
  events: string[]
  mode: string
  created_at: string
  deleted_at: string | null
  /** Set when the gateway stopped delivering to it after failing too long; Enable turns it back on. */
  disabled_at?: string | null
}

export interface AccountInfo {
  account: { id: string; name: string; created_at: string }
  mode: 'test' | 'live'
  key: { id: string; prefix: string; name: string | null }
}

export interface AdminAccount {
  id: string
  name: string
  created_at: string
}

export interface AdminKey {
  id: string
  account_id: string
  mode: 'test' | 'live'
  name: string | null
  prefix: string
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

/** The event types an endpoint can subscribe to: the gateway's own list, so the form never lags behind. */
export { EVENT_TYPES } from '../../src/schemas/webhooks'
