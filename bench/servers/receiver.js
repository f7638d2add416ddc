// A local receiver for Daraja callbacks (emulator bench) and webhooks (webhook bench).
// Answers 200 at once. GET /__stats → {count, first_at, last_at, latencies_ms} where a latency is
// receipt time − the event's final-state time (data.completed_at), for webhook bodies that carry one.
// Prints {"url"} first.
import { createServer } from 'node:http'

let count = 0
let firstAt = null
let lastAt = null
let latencies = []
let firstFinalAt = null
const seen = new Set()
let duplicates = 0

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ count, duplicates, first_at: firstAt, last_at: lastAt, first_final_at: firstFinalAt, latencies_ms: latencies }))
    return
  }
  if (req.method === 'POST' && req.url === '/__reset') {
    count = 0
    firstAt = lastAt = firstFinalAt = null
    latencies = []
    seen.clear()
    duplicates = 0
    res.writeHead(204).end()
    return
  }
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const now = Date.now()
    count++
    firstAt ??= now
    lastAt = now
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      const completed = body?.data?.completed_at ?? body?.data?.transaction?.completed_at
      if (typeof body?.id === 'string') {
        if (seen.has(body.id)) duplicates++
        seen.add(body.id)
      }
      if (typeof completed === 'string') {
        const final = Date.parse(completed)
        latencies.push(now - final)
        firstFinalAt = firstFinalAt === null ? final : Math.min(firstFinalAt, final)
      }
    } catch {
      // not JSON: counted, no latency
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ResultCode":0,"ResultDesc":"Accepted"}')
  })
})
server.keepAliveTimeout = 5000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
