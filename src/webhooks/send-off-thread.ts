import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { NetworkError, noAnswerWithin, type OutboundResponse } from '../http/request.js'
import { THREAD_STOPPED, type RequestThread, type ThreadRequest, type ThreadResponse } from '../http/request-thread.js'
import type { DeliveryPost, DeliveryReply } from './post-delivery.js'

/**
 * What the event loop posts to the sending thread (send-thread.ts): a webhook delivery to sign and
 * POST, or a plain request (the Daraja client's), handed over at `handedAt` (wall clock). `n` says
 * which answer is its.
 */
export type ThreadAsk = { n: number; handedAt: number } & ({ post: DeliveryPost } | { request: ThreadRequest })

/** What the thread posts back. */
export type ThreadReply = (DeliveryReply & { n: number }) | { n: number; response: ThreadResponse }

/**
 * A reply with the attempt's duration as the event loop saw it: from the hand-over to the reply's
 * arrival, so a wait for the thread (loading, or busy with other sends) is in the attempt's
 * duration_ms, as the event loop's own waits are in an attempt sent inline.
 */
export type ThreadAnswer = DeliveryReply & { durationMs: number }

export interface SendingThread extends RequestThread {
  /** False once the thread has stopped (it failed, or close()): exchanges are then made on the event loop. */
  readonly alive: boolean
  /**
   * Whether to send through the thread now: true once it has loaded. Until then (0.1-0.3 s after
   * it is started) exchanges are made on the event loop, so none waits for the thread to load.
   */
  usable(): boolean
  /** A delivery signed and POSTed on the thread; rejects when the thread stops, or `signal` aborts, before the answer. */
  send(post: DeliveryPost, signal: AbortSignal): Promise<ThreadAnswer>
  close(): Promise<void>
}

/**
 * The thread's module, compiled: beside this one (dist/src/webhooks/), in dist/src/ when this
 * module is bundled (dist/bundle/), or in dist/ when this is the TypeScript source (tests).
 */
function threadFile(): URL {
  const places = ['./send-thread.js', '../src/webhooks/send-thread.js', '../../dist/src/webhooks/send-thread.js'].map((p) => new URL(p, import.meta.url))
  return places.find((place) => existsSync(fileURLToPath(place))) ?? places[0]
}

interface Waiting {
  reply(reply: ThreadReply): void
  /** The thread stopped, or the delivery's signal aborted. */
  fail(message: string): void
  /** The delivery's signal's set of waiting sends (left when it settles). */
  watched?: Set<number>
}

const CANCELLED = 'the request was cancelled'
const STOPPED = 'the sending thread stopped'

/**
 * The gateway's sending thread, started with a long-running gateway: its event loop hands over
 * the exchanges it would otherwise make itself, and reads the answers. At saturation the event
 * loop is the full flow's limit (bench/README.md). Two kinds cross:
 * - webhook deliveries: the thread does the two HMACs and the POST. When the delivery worker's
 *   signal aborts (it stops), its sends waiting reject at once; a request the thread had sent may
 *   still reach its receiver, and the delivery, left pending, is attempted again after the restart
 *   (at-least-once, as an attempt cut off by a crash always was).
 * - plain requests (sendRequest's `thread`: the Daraja client's STK pushes, B2Cs, token and
 *   queries), each with its deadline counted here from the hand-over. One the thread may have sent
 *   when it stops or the deadline passes is answered as a timeout is (request-thread.ts), never
 *   sent again from here.
 * Every exchange goes through the same outbound path (sendRequest) on the thread. `threadModule` is
 * the thread's code: send-thread.js, or in tests one that fails.
 */
export function startSendingThread(threadModule: URL = threadFile()): SendingThread {
  let alive = true
  let ready = false
  let next = 0
  const waiting = new Map<number, Waiting>()
  const settle = (n: number): Waiting | undefined => {
    const entry = waiting.get(n)
    if (entry === undefined) return undefined
    waiting.delete(n)
    entry.watched?.delete(n)
    return entry
  }
  const stopped = () => {
    alive = false
    for (const n of [...waiting.keys()]) settle(n)?.fail(STOPPED)
  }
  /** Each delivery worker's signal, with the sends waiting under it: one listener per signal. */
  const bySignal = new WeakMap<AbortSignal, Set<number>>()
  const watch = (signal: AbortSignal, n: number): Set<number> => {
    let set = bySignal.get(signal)
    if (set === undefined) {
      const mine = new Set<number>()
      set = mine
      bySignal.set(signal, mine)
      signal.addEventListener('abort', () => {
        for (const each of [...mine]) settle(each)?.fail(CANCELLED)
      }, { once: true })
    }
    set.add(n)
    return set
  }

  const worker = new Worker(threadModule)
  // The thread never keeps the process alive: close() ends it, and an exit ends it anyway.
  worker.unref()
  worker.on('message', (replies: ThreadReply[] | { ready: true }) => {
    if ('ready' in replies) {
      ready = true
      return
    }
    for (const reply of replies) settle(reply.n)?.reply(reply)
  })
  worker.on('error', stopped)
  worker.on('exit', stopped)

  // What is handed over in one turn of the event loop crosses as one message: each message costs
  // both threads a wake-up and a copy of its own, whatever its size.
  let outbox: ThreadAsk[] = []
  const flush = () => {
    const asks = outbox
    outbox = []
    worker.postMessage(asks)
  }
  const hand = (n: number, entry: Waiting, ask: ThreadAsk) => {
    waiting.set(n, entry)
    if (outbox.push(ask) === 1) setImmediate(flush)
  }

  return {
    get alive() {
      return alive
    },
    usable() {
      return alive && ready
    },
    send(post, signal) {
      if (signal.aborted || !alive) return Promise.reject(new Error(signal.aborted ? CANCELLED : STOPPED))
      const n = ++next
      return new Promise<ThreadAnswer>((resolve, reject) => {
        const handed = performance.now()
        hand(n, {
          reply: (reply) => resolve({ ...(reply as DeliveryReply), durationMs: performance.now() - handed }),
          fail: (message) => reject(new Error(message)),
          watched: watch(signal, n),
        }, { n, post, handedAt: Date.now() })
      })
    },
    exchange(req) {
      if (!alive) return Promise.reject(new NetworkError(STOPPED, THREAD_STOPPED, false))
      const n = ++next
      return new Promise<OutboundResponse>((resolve, reject) => {
        const handed = performance.now()
        // The deadline, held here: the thread's own timer starts only when it takes the request.
        const timer = setTimeout(() => {
          if (settle(n)) reject(new NetworkError(noAnswerWithin(req.timeoutMs), 'ETIMEDOUT', true))
        }, req.timeoutMs)
        timer.unref()
        hand(n, {
          reply: (reply) => {
            clearTimeout(timer)
            const res = (reply as { response: ThreadResponse }).response
            if ('failed' in res) reject(new NetworkError(res.failed.message, res.failed.code, res.failed.timedOut))
            else resolve({ status: res.status, headers: res.headers, body: res.body, truncated: res.truncated, durationMs: performance.now() - handed })
          },
          fail: (message) => {
            clearTimeout(timer)
            reject(new NetworkError(message, THREAD_STOPPED, false))
          },
        }, { n, request: req, handedAt: Date.now() })
      })
    },
    async close() {
      alive = false
      await worker.terminate()
    },
  }
}
