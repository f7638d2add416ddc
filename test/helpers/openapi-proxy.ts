import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { checkResponse } from './openapi-check.js'

export interface CheckingProxy {
  /** Base URL to give the SDK, the CLI or a snippet instead of the gateway's. */
  url: string
  /** Every answer the document does not describe, as `METHOD path → status: why`. */
  drift: string[]
  close(): Promise<void>
}

/** Headers of one connection, not of the message: never forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade'])

/**
 * A loopback proxy in front of a gateway that holds every answer to the OpenAPI document, for
 * clients the test does not call through api()/admin(): the SDK, the CLI, the README's snippets.
 * An answer that drifts is replaced by `502 {"error":"OpenAPI drift",…}` (and recorded), so the
 * client fails where it reads it; every other answer passes through unchanged, streams included.
 */
export async function startCheckingProxy(target: string): Promise<CheckingProxy> {
  const drift: string[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void relay(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'Proxy failed', hint: 'See the test output.', detail: String(error) }))
    })
  })
  const relay = async (req: IncomingMessage, res: ServerResponse) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
    }
    const method = req.method ?? 'GET'
    const hasBody = method !== 'GET' && method !== 'HEAD'
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    const response = await fetch(`${target}${req.url}`, {
      method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      duplex: 'half',
      redirect: 'manual',
      signal: abort.signal,
    } as RequestInit)
    try {
      await checkResponse(method, req.url ?? '/', response)
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error)
      drift.push(why)
      await response.body?.cancel().catch(() => undefined)
      res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'OpenAPI drift', hint: 'The gateway answered something its OpenAPI document does not describe.', detail: why }))
      return
    }
    const out: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) out[name] = value
    })
    res.writeHead(response.status, out)
    if (!response.body || method === 'HEAD') return void res.end()
    Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).on('error', () => res.destroy()).pipe(res)
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    drift,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
