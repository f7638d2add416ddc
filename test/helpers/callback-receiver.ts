import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  method: string
  /** Path with the query string, exactly as requested. */
  path: string
  headers: IncomingHttpHeaders
  /** The raw body, byte for byte. */
  raw: Buffer
  /** The body as UTF-8 text. */
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown
  receivedAt: number
}

export interface ReceiverAnswer {
  status: number
  body?: string
  headers?: Record<string, string>
  /** Wait this long before answering. */
  delayMs?: number
}

export interface CallbackReceiver {
  /** Base URL, e.g. http://127.0.0.1:49153 (no trailing slash). */
  url: string
  /** Everything received so far, in arrival order (a copy). */
  received(): ReceivedRequest[]
  /** Sets the answer for the following requests (default 200 `{"ResultCode":0,"ResultDesc":"Accepted"}`). */
  answerWith(answer: ReceiverAnswer): void
  /** Resolves once at least `count` requests (matching `filter`, if given) have arrived. */
  waitFor(count: number, options?: { timeoutMs?: number; filter?: (r: ReceivedRequest) => boolean }): Promise<ReceivedRequest[]>
  clear(): void
  close(): Promise<void>
}

const DEFAULT_ANSWER: ReceiverAnswer = { status: 200, body: '{"ResultCode":0,"ResultDesc":"Accepted"}', headers: { 'content-type': 'application/json' } }

/** A real `node:http` server on loopback port 0 that records every request it gets. */
export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const received: ReceivedRequest[] = []
  let answer: ReceiverAnswer = DEFAULT_ANSWER
  let waiters: Array<() => void> = []

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const text = raw.toString('utf8')
      let json: unknown
      try {
        json = text ? JSON.parse(text) : undefined
      } catch {
        json = undefined
      }
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, text, json, receivedAt: Date.now() })
      const current = waiters
      waiters = []
      for (const wake of current) wake()
      const { status, body, headers, delayMs } = answer
      const send = () => {
        res.writeHead(status, headers)
        res.end(body ?? '')
      }
      if (delayMs) setTimeout(send, delayMs)
      else send()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    received: () => [...received],
    answerWith(next) {
      answer = next
    },
    async waitFor(count, options = {}) {
      // Generous, as waitFor's (helpers/gateway.ts): it only bounds how long a failure takes to show.
      const { timeoutMs = 15_000, filter = () => true } = options
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const matching = received.filter(filter)
        if (matching.length >= count) return matching
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`callback receiver: expected ${count} request(s), got ${matching.length} within ${timeoutMs} ms`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
    clear() {
      received.length = 0
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
