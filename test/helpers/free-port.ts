import { createServer } from 'node:net'

/**
 * A loopback port free right now, for a gateway that must keep its URL across a restart (the
 * callback URLs Daraja was given name it) or be reached before its start-up has returned.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}
