// A local receiver for Daraja callbacks (emulator bench) and webhooks (webhook bench, soak).
// Answers 200 at once. GET /__stats → {count, duplicates, first_at, last_at, first_final_at,
// latencies_ms} where a latency is receipt time − the event's final-state time (data.completed_at),
// for webhook bodies that carry one. POST /__secret {"secret"} makes it check every later body's
// X-Mpesa-Gateway-Signature (hex HMAC-SHA256 of the raw body, keyed with the secret string);
// GET /__events → {events: [[id, type, transaction_id, times received]], bad_signatures}.
// Prints {"url"} first.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer } from 'node:http'

let count = 0
let firstAt = null
let lastAt = null
let latencies = []
let firstFinalAt = null
let seen = new Map()
let duplicates = 0
let secret = null
let badSignatures = 0

function signatureValid(header, raw) {
  if (typeof header !== 'string' || !/^[0-9a-f]{64}$/i.test(header)) return false
  const expected = createHmac('sha256', secret).update(raw).digest()
  return timingSafeEqual(expected, Buffer.from(header, 'hex'))
}

const readBody = (req) =>
  new Promise((resolve) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
  })

const server = createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ count, duplicates, bad_signatures: badSignatures, first_at: firstAt, last_at: lastAt, first_final_at: firstFinalAt, latencies_ms: latencies }))
    return
  }
  if (req.method === 'GET' && req.url === '/__events') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ events: [...seen.entries()].map(([id, e]) => [id, e.type, e.transaction, e.times]), bad_signatures: badSignatures }))
    return
  }
  if (req.method === 'POST' && req.url === '/__secret') {
    secret = JSON.parse((await readBody(req)).toString('utf8')).secret
    res.writeHead(204).end()
    return
  }
  if (req.method === 'POST' && req.url === '/__reset') {
    count = 0
    firstAt = lastAt = firstFinalAt = null
    latencies = []
    seen = new Map()
    duplicates = 0
    badSignatures = 0
    res.writeHead(204).end()
    return
  }
  const raw = await readBody(req)
  const now = Date.now()
  count++
  firstAt ??= now
  lastAt = now
  if (secret !== null && !signatureValid(req.headers['x-mpesa-gateway-signature'], raw)) badSignatures++
  try {
    const body = JSON.parse(raw.toString('utf8'))
    const completed = body?.data?.completed_at ?? body?.data?.transaction?.completed_at
    if (typeof body?.id === 'string') {
      const known = seen.get(body.id)
      if (known) {
        duplicates++
        known.times++
      } else {
        seen.set(body.id, { type: body.event ?? null, transaction: body?.data?.transaction_id ?? null, times: 1 })
      }
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
server.keepAliveTimeout = 5000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
