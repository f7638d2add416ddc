import { parentPort } from 'node:worker_threads'
import { exchangeOnThisThread, timeLeft } from '../http/request-thread.js'
import { noAnswerWithin } from '../http/request.js'
import { postDelivery } from './post-delivery.js'
import type { ThreadAsk, ThreadReply } from './send-off-thread.js'

/**
 * The gateway's sending thread (send-off-thread.ts): webhook deliveries signed and POSTed by the
 * same postDelivery as an inline send, and the Daraja client's requests sent by the same
 * sendRequest, off the gateway's event loop.
 */
const port = parentPort!
// Answers ready in one turn go back as one message, as the asks come (send-off-thread.ts).
let outbox: ThreadReply[] = []
const flush = () => {
  const replies = outbox
  outbox = []
  port.postMessage(replies)
}
const answer = (reply: ThreadReply) => {
  if (outbox.push(reply) === 1) setImmediate(flush)
}
const take = (ask: ThreadAsk) => {
  const { n } = ask
  if ('request' in ask) {
    // exchangeOnThisThread answers every failure as a reply; it does not reject.
    void exchangeOnThisThread(ask.request, ask.handedAt).then((response) => answer({ n, response }))
    return
  }
  // Its timeout counts from the hand-over, as a request's does: a wait for this thread is in it.
  const left = timeLeft(ask.post.timeoutMs, ask.handedAt)
  if (left <= 0) {
    answer({ n, error: `ETIMEDOUT: ${noAnswerWithin(ask.post.timeoutMs)}` })
    return
  }
  // A throw before the send (none is expected) answers as an error instead of ending the thread.
  postDelivery(ask.post, undefined, left).then(
    (reply) => answer({ n, ...reply }),
    (error: unknown) => answer({ n, error: error instanceof Error ? error.message : String(error) }),
  )
}
port.on('message', (asks: ThreadAsk[]) => {
  for (const ask of asks) take(ask)
})
// Loaded: the gateway hands its exchanges to this thread from now on (made inline until then).
port.postMessage({ ready: true })
