import * as http from 'node:http'
import { createRequire } from 'node:module'
import { NetworkError, noAnswerWithin, type OutboundRequest, type OutboundResponse } from './request.js'

/** What a one-shot request supports: no retries, pool, address guard or cancellation. */
export type OneShotRequest = Pick<OutboundRequest, 'method' | 'url' | 'headers' | 'body' | 'json' | 'timeoutMs' | 'maxBodyBytes'>

/**
 * sendRequest's contract (the same answer, the same NetworkError messages and codes) on Node's own
 * http client, for a process that makes one request and exits: the CLI's fast path. Loading undici
 * (with the http2, wasm and diagnostics modules it pulls in) costs about half a `node -e 0`, which
 * a long-lived gateway pays once and a command pays on every call. Everything that keeps
 * connections, retries, guards addresses or streams stays on sendRequest.
 */
export async function sendOneShot(req: OneShotRequest): Promise<OutboundResponse> {
  const url = new URL(req.url)
  // node:https (with tls and crypto behind it) only when asked for. Not import(): the fast path's
  // code-cached bundle cannot use it (bin/fast-path.js); a builtin resolves the same from any base.
  const client: typeof http = url.protocol === 'https:' ? createRequire('/')('node:https') : http
  let body = req.body
  let headers = req.headers ?? {}
  if (body === undefined && req.json !== undefined) {
    body = JSON.stringify(req.json)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers = { ...headers, 'content-type': 'application/json' }
  }
  const maxBytes = req.maxBodyBytes ?? 1024 * 1024
  const started = Date.now()
  return new Promise((resolve, reject) => {
    let done = false
    const fail = (error: NetworkError) => {
      if (done) return
      done = true
      clearTimeout(timer)
      request.destroy()
      reject(error)
    }
    // One timer for the whole exchange (connect, headers, body), as sendRequest's deadline.
    const timer = setTimeout(() => fail(new NetworkError(noAnswerWithin(req.timeoutMs), 'ETIMEDOUT', true)), req.timeoutMs)
    timer.unref()
    // agent: false: a connection of its own, closed after the answer (nothing left to hold the process).
    const request = client.request(url, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      const settle = (truncated: boolean) => {
        if (done) return
        done = true
        clearTimeout(timer)
        const flat: Record<string, string> = {}
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks, size).toString('utf8'), truncated, durationMs: Date.now() - started })
      }
      res.on('data', (chunk: Buffer) => {
        if (done) return
        if (size + chunk.length > maxBytes) {
          chunks.push(chunk.subarray(0, maxBytes - size))
          size = maxBytes
          settle(true)
          res.destroy()
          return
        }
        chunks.push(chunk)
        size += chunk.length
      })
      res.on('end', () => settle(false))
      res.on('error', (error: Error & { code?: string }) => fail(new NetworkError(error.message, error.code ?? 'ECONNRESET', false, error)))
      // Closed before the end without an error event: still an answer that never arrived whole.
      res.on('close', () => fail(new NetworkError('the connection closed before the answer ended', 'ECONNRESET', false)))
    })
    request.on('error', (error: Error & { code?: string }) => fail(new NetworkError(error.message, error.code ?? 'ECONNERROR', false, error)))
    request.end(body)
  })
}
