// The reference server: the least an STK push endpoint must do, written plainly, to show what the
// push path could cost on this machine. node:http, a validated body, one fsync'd append per push
// (appends arriving together share one write + fdatasync: group commit), one pooled undici call to
// the same emulator, 201. No auth, idempotency, second write or logging (the gateway does those).
// argv[2]: JSON {emulatorUrl, credentials, file}. Prints {"url"} as its first stdout line.
import { createServer } from 'node:http'
import { open } from 'node:fs/promises'
import { Pool } from 'undici'
import { z } from 'zod'

const { emulatorUrl, credentials: c, file } = JSON.parse(process.argv[2])
const body = z.object({
  amount: z.number().int().min(1).max(150_000),
  phone: z.string().regex(/^(?:\+?254|0)[71]\d{8}$/),
  reference: z.string().trim().min(1).max(40),
  description: z.string().trim().min(1).max(60),
})
const daraja = new Pool(emulatorUrl, { connections: 64, pipelining: 1 })
const log = await open(file, 'a', 0o600)
let batch = []
let writing = false
async function commit() {
  writing = true
  while (batch.length > 0) {
    const now = batch
    batch = []
    await log.write(now.map((w) => w.line).join(''))
    await log.datasync()
    for (const w of now) w.done()
  }
  writing = false
}
const append = (record) =>
  new Promise((done) => {
    batch.push({ line: `${JSON.stringify(record)}\n`, done })
    if (!writing) void commit()
  })

const basic = Buffer.from(`${c.consumerKey}:${c.consumerSecret}`).toString('base64')
const token = (await (await fetch(`${emulatorUrl}/oauth/v1/generate?grant_type=client_credentials`, { headers: { authorization: `Basic ${basic}` } })).json()).access_token
const ts = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const password = Buffer.from(`${c.shortcode}${c.passkey}${ts}`).toString('base64')
let seq = 0
let ownUrl = ''

const server = createServer((req, res) => {
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', async () => {
    if (req.url !== '/api/v1/stk-push') return res.writeHead(200).end('{"ResultCode":0}') // Daraja's callbacks
    const parsed = body.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'))
    if (!parsed.success) return res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"Validation failed"}')
    const id = `ref_${process.pid}_${++seq}`
    await append({ id, ...parsed.data, status: 'pending', at: Date.now() })
    const { amount, phone, reference, description } = parsed.data
    const stk = {
      BusinessShortCode: c.shortcode,
      Password: password,
      Timestamp: ts,
      TransactionType: 'CustomerPayBillOnline',
      Amount: amount,
      PartyA: phone,
      PartyB: c.shortcode,
      PhoneNumber: phone,
      CallBackURL: `${ownUrl}/daraja/stk/${id}`,
      AccountReference: reference,
      TransactionDesc: description,
    }
    try {
      const answer = await daraja.request({
        method: 'POST',
        path: '/mpesa/stkpush/v1/processrequest',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(stk),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      })
      const accepted = await answer.body.json()
      if (answer.statusCode !== 200) return res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"Daraja refused"}')
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id, status: 'pending', checkout_request_id: accepted.CheckoutRequestID }))
    } catch {
      res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"Daraja unreachable"}')
    }
  })
})
server.keepAliveTimeout = 5000
server.listen(0, '127.0.0.1', () => {
  ownUrl = `http://127.0.0.1:${server.address().port}`
  process.stdout.write(`${JSON.stringify({ url: ownUrl })}\n`)
})
process.on('SIGTERM', () => server.close(() => void log.close().then(() => process.exit(0))))
