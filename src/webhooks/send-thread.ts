import { parentPort } from 'node:worker_threads'
import { NetworkError, sendRequest } from '../http/request.js'
import { signatureHeaders } from './signature.js'
import { isPublicAddress } from './url-policy.js'
import type { ThreadAsk, ThreadReply } from './send-off-thread.js'

/**
 * The thread that signs and POSTs webhook deliveries for the delivery worker (send-off-thread.ts):
 * the same signing and the same one outbound path (sendRequest), off the gateway's event loop.
 */
const port = parentPort!
port.on('message', (ask: ThreadAsk) => {
  const headers = signatureHeaders(ask.secret, { id: ask.eventId, timestamp: ask.signedAt, rawBody: ask.body, event: ask.eventType })
  headers['content-type'] = 'application/json'
  headers['user-agent'] = 'mpesa-gateway-webhooks/1'
  headers['x-mpesa-gateway-delivery'] = ask.deliveryId
  sendRequest({
    method: 'POST',
    url: ask.url,
    body: ask.body,
    headers,
    timeoutMs: ask.timeoutMs,
    maxBodyBytes: ask.maxBodyBytes,
    allowAddress: ask.publicOnly ? isPublicAddress : undefined,
  }).then(
    (res) => {
      const location = res.status >= 300 && res.status < 400 ? (res.headers.location ?? '') : null
      port.postMessage({ n: ask.n, status: res.status, body: res.body, location } satisfies ThreadReply)
    },
    (error: unknown) => {
      const text = error instanceof NetworkError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)
      port.postMessage({ n: ask.n, error: text } satisfies ThreadReply)
    },
  )
})
// Loaded: the delivery worker sends through this thread from now on (inline until then).
port.postMessage({ ready: true })
