import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Listens on `host:port` (port 0: a free one) and resolves with the port and the URL a local
 * client reaches it at. Fails (EADDRINUSE…) instead of moving to another port.
 */
export async function listenOn(server: Server, port: number, host: string): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const actual = (server.address() as AddressInfo).port
  return { port: actual, url: `http://${urlHost(host)}:${actual}` }
}

/** The host part of a URL for a listen address: IPv6 bracketed, the wildcard as loopback. */
function urlHost(host: string): string {
  if (host.includes(':')) return `[${host}]`
  return host === '0.0.0.0' ? '127.0.0.1' : host
}
