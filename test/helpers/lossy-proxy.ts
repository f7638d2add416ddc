import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A proxy in front of Daraja that passes STK pushes through but answers the gateway with its own
 * 502 page, as a load balancer that timed out would: Daraja has the push, the gateway cannot know.
 */
export async function startLossyProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        const body: Buffer[] = []
        up.on('data', (c: Buffer) => body.push(c))
        up.on('end', () => {
          if (req.url?.startsWith('/mpesa/stkpush/')) {
            res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>')
          } else {
            res.writeHead(up.statusCode ?? 500, up.headers).end(Buffer.concat(body))
          }
        })
      })
      upstream.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
