// The gateway as a plain Node server around the same fetch handler a serverless platform calls:
// node:http in, a web Request to the handler, its Response back out. Background work runs in
// `mpg worker` (or a scheduler calling POST /api/v1/cron/tick). Settings: see ../README.md.
import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { createFetchHandler } from 'mpesa-gateway'

const handler = createFetchHandler()

const server = createServer(async (req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  }
  const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: 'half',
  })
  try {
    const response = await handler(request)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    if (response.body) Readable.fromWeb(response.body).pipe(res)
    else res.end()
  } catch (error) {
    console.error(error)
    res.writeHead(500, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'Internal error', hint: 'See the server log.', detail: '' }))
  }
})

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(JSON.stringify({ type: 'ready', url: `http://${address}:${port}` }))
})

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => handler.close().then(() => process.exit(0)))
    server.closeIdleConnections()
  })
}
