// The reference server (reference.js) with the gateway's push-path duties added, each written as
// plainly as it can be: what a push must cost on this machine with every duty kept, to set against
// the gateway's own cost (bench/README.md, "session 10, `hotpath`"). Per push: a Bearer API key
// checked (its form, its SHA-256 looked up, its account), an Idempotency-Key checked and claimed
// with the body's fingerprint (canonical JSON, SHA-256), zod on the body, a payment with an id, a
// callback token (stored hashed) and its times; one group-committed fsync'd append of the payment
// and the key's claim before Daraja is called, one pooled undici call, one more append of Daraja's
// ids and the key's outcome before the 201, and two NDJSON log lines (the push's and the access
// log), written together every 20 ms. What it leaves out: folds (the journal only grows), start-up
// replay, events, and every other route.
// argv[2]: JSON {emulatorUrl, credentials, file}. Prints {"url","key"} as its first stdout line.
import { createServer } from 'node:http'
import { createHash, hash, randomBytes, randomUUID } from 'node:crypto'
import { openSync, writeSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { Pool } from 'undici'
import { z } from 'zod'

const { emulatorUrl, credentials: c, file } = JSON.parse(process.argv[2])
/**
 * Duties left out, to measure each (DUTIES_OFF=auth,key,second,log,keep): never how the gateway runs.
 * `keep`: payments, their indexes and the keys' claims are not kept in memory after their push (what
 * a store that holds every record costs the collector; the key's check then finds nothing).
 */
const OFF = new Set((process.env.DUTIES_OFF ?? '').split(',').filter(Boolean))
const KEEP = !OFF.has('keep')
const body = z.object({
  amount: z.number().int().min(1).max(150_000),
  phone: z.string().regex(/^(?:\+?254|0)[71]\d{8}$/),
  reference: z.string().trim().min(1).max(40),
  description: z.string().trim().min(1).max(60),
})
const idempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/)
const daraja = new Pool(emulatorUrl, { connections: 64, pipelining: 1 })
const journal = await open(file, 'a', 0o600)
let batch = []
let writing = false
async function commit() {
  writing = true
  while (batch.length > 0) {
    const now = batch
    batch = []
    await journal.write(now.map((w) => w.lines).join(''))
    await journal.datasync()
    for (const w of now) w.done()
  }
  writing = false
}
/** Appends lines (group commit: what arrives during a write goes in the next one). */
const append = (lines) =>
  new Promise((done) => {
    batch.push({ lines, done })
    if (!writing) setImmediate(commit)
    writing = true
  })

// Log lines, written together every 20 ms to a file (as the gateway's stdout is in the bench).
const logFd = openSync(`${file}.log`, 'a', 0o600)
let pendingLog = ''
let logTimer
const logLine = (event, fields) => {
  if (OFF.has('log')) return
  pendingLog += `{"type":"${event}","event":"${event}","level":"info","time":"${new Date().toISOString()}",${JSON.stringify(fields).slice(1)}\n`
  logTimer ??= setTimeout(() => {
    logTimer = undefined
    const text = pendingLog
    pendingLog = ''
    writeSync(logFd, text)
  }, 20)
}

// One account and one API key, as the gateway's bench makes (the key is stored as its SHA-256).
const account = { id: randomUUID(), name: 'bench', payout_account: { type: 'mpesa', phone: '254700000000' } }
const apiKey = `mpg_test_${randomBytes(24).toString('base64url').replace(/[^0-9A-Za-z]/g, '').padEnd(32, 'x').slice(0, 32)}`
const keysByHash = new Map([[hash('sha256', apiKey, 'hex'), { id: randomUUID(), account_id: account.id, mode: 'test', revoked_at: null }]])
const accounts = new Map([[account.id, account]])
const payments = new Map()
const byToken = new Map()
const byCheckout = new Map()
const claims = new Map()

const basic = Buffer.from(`${c.consumerKey}:${c.consumerSecret}`).toString('base64')
const token = (await (await fetch(`${emulatorUrl}/oauth/v1/generate?grant_type=client_credentials`, { headers: { authorization: `Basic ${basic}` } })).json()).access_token
const ts = new Date().toISOString().replace(/\D/g, '').slice(0, 14)
const password = Buffer.from(`${c.shortcode}${c.passkey}${ts}`).toString('base64')
let ownUrl = ''
let requests = 0

/** The account of the request's Bearer API key (its form checked, its SHA-256 looked up), or undefined. */
function authorized(req) {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
  if (!bearer || !/^mpg_(test|live)_[0-9A-Za-z]{32}$/.test(bearer)) return undefined
  const key = keysByHash.get(hash('sha256', bearer, 'hex'))
  return key && !key.revoked_at ? accounts.get(key.account_id) : undefined
}

const fail = (res, status, error) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error, hint: '', detail: '' }))

const server = createServer((req, res) => {
  const started = performance.now()
  const requestId = `req_${(++requests).toString(36)}`
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', async () => {
    if (req.url !== '/api/v1/stk-push') return res.writeHead(200).end('{"ResultCode":0}')
    const owner = OFF.has('auth') ? account : authorized(req)
    if (!owner) return fail(res, 401, 'Unauthorized')
    const rawKey = OFF.has('key') ? undefined : req.headers['idempotency-key']
    const idem = rawKey === undefined ? undefined : idempotencyKey.safeParse(rawKey)
    if (idem && !idem.success) return fail(res, 400, 'Validation failed')
    const parsed = body.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'))
    if (!parsed.success) return fail(res, 400, 'Validation failed')
    const data = parsed.data
    const scope = idem ? `${owner.id}:test:${idem.data}` : undefined
    const fingerprint = scope ? hash('sha256', JSON.stringify(data, ['amount', 'description', 'phone', 'reference']), 'hex') : ''
    if (scope && claims.has(scope)) return fail(res, 409, 'Request with this Idempotency-Key is in progress')
    const callbackToken = randomBytes(24).toString('base64url')
    const createdAt = new Date().toISOString()
    const payment = {
      id: randomUUID(),
      account_id: owner.id,
      mode: 'test',
      reference: data.reference,
      description: data.description,
      phone: data.phone,
      amount: data.amount,
      platform_fee: 0,
      net_amount: data.amount,
      status: 'pending',
      merchant_request_id: null,
      checkout_request_id: null,
      customer_message: null,
      mpesa_receipt_number: null,
      result_code: null,
      result_desc: null,
      callback_token: `sha256:${createHash('sha256').update(callbackToken).digest('hex')}`,
      created_at: createdAt,
      completed_at: null,
      payout: null,
      daraja_error: null,
    }
    const claim = { scope, fingerprint, state: 'in_flight', status_code: null, response: null, transaction_id: payment.id, created_at: createdAt }
    if (KEEP) {
      payments.set(payment.id, payment)
      byToken.set(payment.callback_token, payment.id)
      if (scope) claims.set(scope, claim)
    }
    await append(`{"c":"transactions","r":${JSON.stringify(payment)}}\n${scope ? `{"c":"idempotency","r":${JSON.stringify(claim)}}\n` : ''}`)
    const stk = {
      BusinessShortCode: c.shortcode,
      Password: password,
      Timestamp: ts,
      TransactionType: 'CustomerPayBillOnline',
      Amount: data.amount,
      PartyA: data.phone,
      PartyB: c.shortcode,
      PhoneNumber: data.phone,
      CallBackURL: `${ownUrl}/api/v1/callbacks/daraja/stk/${callbackToken}`,
      AccountReference: data.reference,
      TransactionDesc: data.description,
    }
    let accepted
    try {
      const answer = await daraja.request({
        method: 'POST',
        path: '/mpesa/stkpush/v1/processrequest',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(stk),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      })
      accepted = await answer.body.json()
      if (answer.statusCode !== 200) return fail(res, 502, 'Daraja refused')
    } catch {
      return fail(res, 502, 'Daraja unreachable')
    }
    const ids = { merchant_request_id: accepted.MerchantRequestID, checkout_request_id: accepted.CheckoutRequestID, customer_message: accepted.CustomerMessage }
    // The stored payment takes Daraja's ids in place (the fields exist: no new object).
    payment.merchant_request_id = ids.merchant_request_id
    payment.checkout_request_id = ids.checkout_request_id
    payment.customer_message = ids.customer_message
    const outcome = scope ? { ...claim, state: 'done', status_code: 201 } : undefined
    if (KEEP) {
      byCheckout.set(ids.checkout_request_id, payment.id)
      if (scope) claims.set(scope, outcome)
    }
    if (!OFF.has('second')) await append(`{"c":"transactions","k":"${payment.id}","p":${JSON.stringify(ids)}}\n${scope ? `{"c":"idempotency","r":${JSON.stringify(outcome)}}\n` : ''}`)
    logLine('stk.pushed', { transaction_id: payment.id, checkout_request_id: ids.checkout_request_id, amount: data.amount })
    const text = JSON.stringify({ id: payment.id, status: 'pending', amount: data.amount, reference: data.reference, checkout_request_id: ids.checkout_request_id, customer_message: ids.customer_message, created_at: createdAt })
    res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) }).end(text)
    logLine('request', { request_id: requestId, method: 'POST', path: '/api/v1/stk-push', status: 201, duration_ms: Math.round((performance.now() - started) * 10) / 10 })
  })
})
server.keepAliveTimeout = 5000
server.listen(0, '127.0.0.1', () => {
  ownUrl = `http://127.0.0.1:${server.address().port}`
  process.stdout.write(`${JSON.stringify({ url: ownUrl, key: apiKey })}\n`)
})
process.on('SIGTERM', () => server.close(() => void journal.close().then(() => process.exit(0))))
