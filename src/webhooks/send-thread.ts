import { parentPort } from 'node:worker_threads'
import { exchangeOnThisThread } from '../http/request-thread.js'
import { postDelivery } from './post-delivery.js'
import type { ThreadAsk, ThreadReply } from './send-off-thread.js'

/**
 * The gateway's sending thread (send-off-thread.ts): webhook deliveries signed and POSTed by the
 * same postDelivery as an inline send, and the Daraja client's requests sent by the same
 * sendRequest, off the gateway's event loop.
 */
const port = parentPort!
port.on('message', (ask: ThreadAsk) => {
  const { n } = ask
  if ('request' in ask) {
    // exchangeOnThisThread answers every failure as a reply; it does not reject.
    void exchangeOnThisThread(ask.request, ask.handedAt).then((response) => port.postMessage({ n, response } satisfies ThreadReply))
    return
  }
  // A throw before the send (none is expected) answers as an error instead of ending the thread.
  postDelivery(ask.post).then(
    (reply) => port.postMessage({ n, ...reply } satisfies ThreadReply),
    (error: unknown) => port.postMessage({ n, error: error instanceof Error ? error.message : String(error) } satisfies ThreadReply),
  )
})
// Loaded: the gateway hands its exchanges to this thread from now on (made inline until then).
port.postMessage({ ready: true })
