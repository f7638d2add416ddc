import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Relay {
  /** Base URL (PUBLIC_SITE_URL of the deployment under test). */
  url: string
  /** Requests relayed so far (method and path), in arrival order. */
  relayed: string[]
  close(): Promise<void>
}

/**
 * What a serverless platform does for a deployment: takes an HTTP request from outside (here: the
 * emulator's Daraja callbacks to PUBLIC_SITE_URL) and calls the function with a `Request`. The
 * gateway itself runs no server; only Daraja's calls come in through this.
 */
export async function startRelay(handler: (request: Request) => Promise<Response>): Promise<Relay> {
  const relayed: string[] = []
  let base = ''
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      relayed.push(`${req.method} ${req.url}`)
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined
      const response = await handler(new Request(`${base}${req.url}`, { method: req.method, headers, body }))
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    relayed,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
