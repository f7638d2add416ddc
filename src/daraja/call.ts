import type { z } from 'zod'
import { darajaErrorSchema } from '../schemas/daraja.js'
import { NetworkError, parseJsonBody, sendRequest } from '../http/request.js'
import type { RequestThread } from '../http/request-thread.js'
import { DarajaCallError, INVALID_TOKEN_CODES } from './errors.js'
import type { TokenCache } from './token-cache.js'

export interface DarajaCallOptions<T> {
  baseUrl: string
  path: string
  body: unknown
  tokens: TokenCache
  timeoutMs: number
  schema: z.ZodType<T>
  /** Where the exchange is made once it has loaded (sendRequest's `thread`); inline without one. */
  thread?: RequestThread
}

export interface DarajaAnswer<T> {
  status: number
  data: T
}

/** Connection errors that happen before a byte of the request is sent. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

/**
 * The headers of a call with `token`: built once per token and shared by every call with it
 * (sendRequest only reads them). Daraja's bodies are JSON, so the content type is in them too.
 */
let lastHeaders: { token: string; value: Record<string, string> } | undefined
function headersFor(token: string): Record<string, string> {
  if (lastHeaders?.token !== token) lastHeaders = { token, value: Object.freeze({ authorization: `Bearer ${token}`, 'content-type': 'application/json' }) }
  return lastHeaders.value
}

/**
 * One authenticated POST to Daraja. Never retried blindly (an STK push is not idempotent):
 * only an invalid-token answer is retried, once, with a fresh token.
 */
export async function darajaCall<T>(options: DarajaCallOptions<T>): Promise<DarajaAnswer<T>> {
  let token = options.tokens.current() ?? (await options.tokens.get())
  for (let attempt = 0; ; attempt++) {
    let res
    try {
      res = await sendRequest({
        method: 'POST',
        url: `${options.baseUrl}${options.path}`,
        headers: headersFor(token),
        json: options.body,
        timeoutMs: options.timeoutMs,
        thread: options.thread,
      })
    } catch (error) {
      const message = error instanceof NetworkError ? error.message : String(error)
      // Only a failure to connect proves Daraja never got the request. A sending thread that
      // stopped before it answered (THREAD_STOPPED) may have sent it: as unknown as a timeout.
      const neverSent = error instanceof NetworkError && !error.timedOut && NOT_SENT_CODES.has(error.code)
      throw new DarajaCallError('unreachable', null, null, message, !neverSent)
    }
    const json = parseJsonBody(res.body)
    if (res.status === 200) {
      const parsed = options.schema.safeParse(json)
      // Daraja answered 200: it took the request, whatever the body says.
      if (!parsed.success) throw new DarajaCallError('bad_answer', res.status, null, `unexpected answer from ${options.path}`, true)
      return { status: res.status, data: parsed.data }
    }
    const envelope = darajaErrorSchema.safeParse(json)
    if (!envelope.success) {
      // A 5xx without Daraja's envelope comes from something in between (a proxy's 502/504):
      // the request may have reached Daraja.
      throw new DarajaCallError(res.status >= 500 ? 'refused' : 'bad_answer', res.status, null, `HTTP ${res.status} from ${options.path}`, res.status >= 500)
    }
    if (attempt === 0 && INVALID_TOKEN_CODES.has(envelope.data.errorCode)) {
      token = await options.tokens.invalidate(token)
      continue
    }
    throw new DarajaCallError('refused', res.status, envelope.data.errorCode, envelope.data.errorMessage)
  }
}
