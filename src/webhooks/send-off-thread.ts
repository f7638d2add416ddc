import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { DeliveryPost, DeliveryReply } from './post-delivery.js'

/** What the delivery worker posts to the sending thread (send-thread.ts); `n` says which answer is its. */
export interface ThreadAsk {
  n: number
  post: DeliveryPost
}

/** What the thread posts back. */
export type ThreadReply = DeliveryReply & { n: number }

/**
 * A reply with the attempt's duration as the event loop saw it: from the hand-over to the reply's
 * arrival, so a wait for the thread (loading, or busy with other sends) is in the attempt's
 * duration_ms, as the event loop's own waits are in an attempt sent inline.
 */
export type ThreadAnswer = DeliveryReply & { durationMs: number }

export interface OffThreadSender {
  /** False once the thread has stopped (it failed, or close()): deliveries are then sent on the event loop. */
  readonly alive: boolean
  /**
   * Whether to send through the thread now: true once it has loaded. Until then (0.1-0.3 s after
   * the sender is made) deliveries are sent on the event loop, so none waits for the thread.
   */
  usable(): boolean
  /** Rejects when the thread stops, or the worker's signal aborts, before the answer. */
  send(post: DeliveryPost): Promise<ThreadAnswer>
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

/**
 * Webhook deliveries signed and POSTed on a thread of their own, started with the sender: the
 * gateway's event loop posts the body and reads the answer, and the thread does the two HMACs and
 * the exchange through the same outbound path (sendRequest). At saturation the event loop is the
 * full flow's limit, and a payment's two deliveries were ~15% of it (bench/README.md). When the
 * worker's signal aborts (it stops), sends waiting reject at once; a request the thread had sent
 * may still reach its receiver, and the delivery, left pending, is attempted again after the
 * restart (at-least-once, as an attempt cut off by a crash always was). `threadModule` is the
 * thread's code: send-thread.js, or in tests one that fails.
 */
export function offThreadSender(signal: AbortSignal, threadModule: URL = threadFile()): OffThreadSender {
  let alive = true
  let ready = false
  let next = 0
  const waiting = new Map<number, { handed: number; resolve: (a: ThreadAnswer) => void; reject: (e: Error) => void }>()
  const failAll = (error: Error) => {
    for (const w of waiting.values()) w.reject(error)
    waiting.clear()
  }
  const stopped = (error: Error) => {
    alive = false
    failAll(error)
  }
  const start = (): Worker => {
    const w = new Worker(threadModule)
    // The thread never keeps the process alive: stop() ends it, and an exit ends it anyway.
    w.unref()
    w.on('message', (reply: ThreadReply | { ready: true }) => {
      if ('ready' in reply) {
        ready = true
        return
      }
      const entry = waiting.get(reply.n)
      if (!entry) return
      waiting.delete(reply.n)
      entry.resolve({ ...reply, durationMs: performance.now() - entry.handed })
    })
    w.on('error', stopped)
    w.on('exit', () => stopped(new Error('the sending thread stopped')))
    return w
  }
  signal.addEventListener('abort', () => failAll(new Error('the request was cancelled')), { once: true })
  // Started now, not at the first delivery: the first deliveries are sent inline while it loads.
  const worker = start()
  return {
    get alive() {
      return alive
    },
    usable() {
      return alive && ready && !signal.aborted
    },
    send(post) {
      if (signal.aborted || !alive) return Promise.reject(new Error(signal.aborted ? 'the request was cancelled' : 'the sending thread stopped'))
      const n = ++next
      return new Promise<ThreadAnswer>((resolve, reject) => {
        waiting.set(n, { handed: performance.now(), resolve, reject })
        worker.postMessage({ n, post } satisfies ThreadAsk)
      })
    },
    async close() {
      alive = false
      await worker.terminate()
    },
  }
}
