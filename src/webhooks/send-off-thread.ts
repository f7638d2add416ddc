import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

/** What the delivery worker asks the sending thread (send-thread.ts) to sign and POST. */
export interface ThreadAsk {
  /** Set by the sender: which answer is this ask's. */
  n: number
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

/** The receiver's answer (`location` only on a redirect), or why there was none. */
export type ThreadAnswer = { n: number; status: number; durationMs: number; body: string; location: string | null } | { n: number; error: string }

export interface OffThreadSender {
  /** False once the thread has stopped (it failed, or close()): deliveries are then sent on the event loop. */
  readonly alive: boolean
  /** Rejects when the thread stops, or the worker's signal aborts, before the answer. */
  send(ask: ThreadAsk): Promise<ThreadAnswer>
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
 * Webhook deliveries signed and POSTed on a thread of their own, started at the first one: the
 * gateway's event loop posts the body and reads the answer, and the thread does the two HMACs and
 * the exchange through the same outbound path (sendRequest). At saturation the event loop is the
 * full flow's limit, and a payment's two deliveries were ~15% of it (bench/README.md). When the
 * worker's signal aborts (it stops), sends waiting reject at once; a request the thread had sent
 * may still reach its receiver, and the delivery, left pending, is attempted again after the
 * restart (at-least-once, as an attempt cut off by a crash always was).
 */
export function offThreadSender(signal: AbortSignal): OffThreadSender {
  let worker: Worker | undefined
  let alive = true
  let next = 0
  const waiting = new Map<number, { resolve: (a: ThreadAnswer) => void; reject: (e: Error) => void }>()
  const failAll = (error: Error) => {
    for (const w of waiting.values()) w.reject(error)
    waiting.clear()
  }
  const stopped = (error: Error) => {
    alive = false
    failAll(error)
  }
  const start = (): Worker => {
    const w = new Worker(threadFile())
    // The thread never keeps the process alive: stop() ends it, and an exit ends it anyway.
    w.unref()
    w.on('message', (answer: ThreadAnswer) => {
      const entry = waiting.get(answer.n)
      if (!entry) return
      waiting.delete(answer.n)
      entry.resolve(answer)
    })
    w.on('error', stopped)
    w.on('exit', () => stopped(new Error('the sending thread stopped')))
    return w
  }
  signal.addEventListener('abort', () => failAll(new Error('the request was cancelled')), { once: true })
  return {
    get alive() {
      return alive
    },
    send(ask) {
      if (signal.aborted || !alive) return Promise.reject(new Error(signal.aborted ? 'the request was cancelled' : 'the sending thread stopped'))
      worker ??= start()
      const n = ++next
      ask.n = n
      return new Promise<ThreadAnswer>((resolve, reject) => {
        waiting.set(n, { resolve, reject })
        worker!.postMessage(ask)
      })
    },
    async close() {
      alive = false
      await worker?.terminate()
    },
  }
}
