import { parentPort } from 'node:worker_threads'
import { postDelivery } from './post-delivery.js'
import type { ThreadAsk, ThreadReply } from './send-off-thread.js'

/**
 * The thread that signs and POSTs webhook deliveries for the delivery worker (send-off-thread.ts):
 * the same postDelivery as an inline send, off the gateway's event loop.
 */
const port = parentPort!
port.on('message', ({ n, post }: ThreadAsk) => {
  // A throw before the send (none is expected) answers as an error instead of ending the thread.
  postDelivery(post).then(
    (reply) => port.postMessage({ n, ...reply } satisfies ThreadReply),
    (error: unknown) => port.postMessage({ n, error: error instanceof Error ? error.message : String(error) } satisfies ThreadReply),
  )
})
// Loaded: the delivery worker sends through this thread from now on (inline until then).
port.postMessage({ ready: true })
