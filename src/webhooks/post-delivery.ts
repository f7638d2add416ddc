import { NetworkError, noAnswerWithin, sendRequest } from '../http/request.js'
import { signatureHeaders } from './signature.js'
import { isPublicAddress } from './url-policy.js'

/** One delivery's POST: what is signed and sent, on the event loop or on the sending thread. */
export interface DeliveryPost {
  url: string
  body: string
  secret: string
  eventId: string
  eventType: string
  deliveryId: string
  signedAt: number
  timeoutMs: number
  maxBodyBytes: number
  /** Connect only to public addresses (the URL policy's connect-time check). */
  publicOnly: boolean
}

/** The receiver's answer (`location` only on a redirect, '' when it named none), or why there was none. */
export type DeliveryReply = { status: number; body: string; location: string | null } | { error: string }

/**
 * Signs and POSTs one delivery through the one outbound path (sendRequest). A failure to reach the
 * receiver is a reply (`error`), not a throw; only a send cut off by `signal` throws. `timeoutMs` is
 * what is left of the delivery's timeout (on the sending thread, less the wait for it); a timeout
 * is worded with the delivery's own.
 */
export async function postDelivery(post: DeliveryPost, signal?: AbortSignal, timeoutMs = post.timeoutMs): Promise<DeliveryReply> {
  // The signature headers' object, with the others added (not spread into a new one).
  const headers = signatureHeaders(post.secret, { id: post.eventId, timestamp: post.signedAt, rawBody: post.body, event: post.eventType })
  headers['content-type'] = 'application/json'
  headers['user-agent'] = 'mpesa-gateway-webhooks/1'
  headers['x-mpesa-gateway-delivery'] = post.deliveryId
  try {
    const res = await sendRequest({
      method: 'POST',
      url: post.url,
      body: post.body,
      headers,
      timeoutMs,
      maxBodyBytes: post.maxBodyBytes,
      signal,
      allowAddress: post.publicOnly ? isPublicAddress : undefined,
    })
    const location = res.status >= 300 && res.status < 400 ? (res.headers.location ?? '') : null
    return { status: res.status, body: res.body, location }
  } catch (error) {
    if (signal?.aborted) throw error
    if (error instanceof NetworkError) return { error: `${error.code}: ${error.timedOut ? noAnswerWithin(post.timeoutMs) : error.message}` }
    return { error: error instanceof Error ? error.message : String(error) }
  }
}
