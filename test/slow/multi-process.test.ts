import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, stkBody } from '../helpers/gateway.js'
import { freshDatabase, pgServerUrl } from '../helpers/postgres.js'
import { repoRoot, runBin } from '../helpers/run-cli.js'
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js'
import { readFrames } from '../helpers/sse-frames.js'

const KEYS = 300
const KILL_AFTER = 100
const CONCURRENCY = 10

/** A small round-robin HTTP proxy over the live backends (a dead one is skipped on connect errors). */
async function startProxy(): Promise<{ url: string; backends: string[]; close(): Promise<void> }> {
  const backends: string[] = []
  let next = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const tryFrom = (attempt: number) => {
        if (attempt >= backends.length) {
          res.writeHead(502).end()
          return
        }
        const target = new URL(req.url ?? '/', backends[next++ % backends.length])
        const out = request(target, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        })
        out.on('error', () => (res.headersSent ? res.destroy() : tryFrom(attempt + 1)))
        out.end(body)
      }
      tryFrom(0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    backends,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function spawnEmulator(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [runBin, 'emulator', 'start', '--json', '--port', '0', '--callback-delay-ms', '200'], {
    cwd: repoRoot,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { type?: string; url?: string }
        if (parsed.type === 'ready' && parsed.url) resolve(parsed.url)
      } catch {
        // not JSON
      }
    })
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)))
  })
  return { child, url }
}

/** An SSE reader that records event ids and remembers the last one (for Last-Event-ID). */
function followStream(url: string, key: string, lastEventId?: string): { ids: string[]; connected: Promise<void>; ended: Promise<void>; abort(): void } {
  const controller = new AbortController()
  const ids: string[] = []
  const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${key}` }
  if (lastEventId) headers['last-event-id'] = lastEventId
  // Settles once the stream answered (or could not be opened); a rejection after that is ignored.
  let opened: (error?: Error) => void = () => {}
  const connected = new Promise<void>((resolve, reject) => (opened = (error) => (error ? reject(error) : resolve())))
  connected.catch(() => undefined)
  const ended = (async () => {
    try {
      const res = await fetch(`${url}/api/v1/events/stream`, { headers, signal: controller.signal })
      opened(res.status === 200 ? undefined : new Error(`the event stream answered ${res.status}`))
      // Aborted, or the instance died: either way the stream is over.
      await readFrames(res.body!, { push: (frame) => frame.id !== undefined && ids.push(frame.id) })
    } catch (error) {
      // The connection was refused: the instance is gone.
      opened(error as Error)
    }
  })()
  return { ids, connected, ended, abort: () => controller.abort() }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(pgServerUrl === null)('three gateway processes on one PostgreSQL, one killed mid-run', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = []
  afterAll(async () => {
    for (const undo of cleanups.reverse()) await Promise.resolve(undo()).catch(() => undefined)
  })

  it('one transaction per key, one payment event per payment, every event delivered, one B2C per OriginatorConversationID, the stream resumed without gaps', { timeout: 400_000 }, async () => {
    const db = await freshDatabase()
    cleanups.push(() => db.drop())
    const emulator = await spawnEmulator()
    cleanups.push(() => emulator.child.kill('SIGKILL'))
    const proxy = await startProxy()
    cleanups.push(() => proxy.close())
    const receiver: CallbackReceiver = await startCallbackReceiver()
    cleanups.push(() => receiver.close())
    const env = {
      DATABASE_URL: db.url,
      MPG_SEAL_KEY: randomBytes(32).toString('base64'),
      MPG_ADMIN_TOKEN: `mpg_admin_${randomBytes(20).toString('hex')}`,
      DARAJA_ENV: 'emulator',
      DARAJA_BASE_URL: emulator.url,
      DARAJA_TIMEOUT_MS: '5000',
      PUBLIC_SITE_URL: proxy.url,
      MPG_RECONCILE_AFTER_S: '3',
      MPG_WEBHOOK_TIMEOUT_MS: '2000',
      MPG_RATE_LIMIT: 'off',
      // A B2C whose result went to the killed instance is asked about (Transaction Status) after this.
      MPG_PAYOUT_STATUS_AFTER_S: '10',
      // The kill can land after a push's payment and key are stored and before Daraja took the
      // push: that payment has no CheckoutRequestID to ask about and no callback will come, so it is
      // declared failed after this (600 s by default: CI saw one still pending at the deadline).
      MPG_UNCONFIRMED_PUSH_TIMEOUT_S: '15',
    }
    const instances: ServeProcess[] = []
    const spawnOne = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mpg-multi-'))
      cleanups.push(() => removeDir(dir))
      const gw = await spawnServe(['--data-dir', dir], env)
      cleanups.push(() => gw.child.kill('SIGKILL'))
      instances.push(gw)
      proxy.backends.push(gw.ready.url)
      return gw
    }
    const first = await spawnOne()
    const key = first.ready.key!
    expect(key).toBeTruthy()
    await Promise.all([spawnOne(), spawnOne()])
    const victim = instances[2]

    const hook = await fetch(`${proxy.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/hook` }),
    })
    expect(hook.status).toBe(201)

    // The SSE client starts on the instance that will be killed, and resumes on another.
    const stream1 = followStream(victim.ready.url, key)
    await stream1.connected

    let killed = false
    const alive = () => instances.filter((gw) => !(killed && gw === victim))
    /** Sends one push with its key to an instance, moving to the next on a dead one or a 409, until it is answered. */
    const send = async (i: number, start: number): Promise<{ status: number; id: string }> => {
      for (let attempt = 0; ; attempt++) {
        const targets = alive()
        const gw = targets[(start + attempt) % targets.length]
        try {
          const res = await fetch(`${gw.ready.url}/api/v1/stk-push`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `key-${i}` },
            body: JSON.stringify(stkBody({ reference: `MP-${i}` })),
          })
          if (res.status === 200 || res.status === 201) return { status: res.status, id: ((await res.json()) as { transaction_id: string }).transaction_id }
          const text = await res.text()
          // 409: the first request with this key is still running; 502: Daraja's answer was late (a retry returns the payment).
          if (res.status !== 409 && res.status !== 502 && res.status !== 503) throw new Error(`key-${i}: status ${res.status} ${text}`)
        } catch (error) {
          if (!(error instanceof TypeError) && !String(error).includes('fetch failed')) throw error
        }
        if (attempt > 400) throw new Error(`key-${i} never answered`)
        await sleep(250)
      }
    }
    const answers = new Map<number, string[]>()
    let nextKey = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const i = nextKey++
          if (i >= KEYS) return
          if (i % 50 === 0) console.log(`multi-process: key ${i} at ${Math.round(performance.now())} ms`)
          if (i === KILL_AFTER && !killed) {
            victim.child.kill('SIGKILL')
            killed = true
          }
          // Each key twice, through two different instances.
          const [a, b] = await Promise.all([send(i, i % 3), send(i, (i + 1) % 3)])
          answers.set(i, [a.id, b.id])
        }
      }),
    )
    console.log(`multi-process: ${KEYS} keys answered twice at ${Math.round(performance.now())} ms`)
    for (const [i, ids] of answers) expect(ids[0], `key-${i}`).toBe(ids[1])

    // Resume the stream on a surviving instance after the last event the client saw.
    await stream1.ended
    const stream2 = followStream(instances[0].ready.url, key, stream1.ids.at(-1))

    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    cleanups.push(() => client.end())
    const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0].n)
    // Quiescence: every payment final, every payout final, every delivery done (the dead instance's leases run out first).
    const deadline = Date.now() + 150_000
    let polls = 0
    for (;;) {
      const open =
        (await count("select count(*) as n from transactions where status = 'pending' or payout_status = 'pending'")) +
        (await count("select count(*) as n from deliveries where status = 'pending'"))
      if (open === 0) break
      if (Date.now() > deadline) throw new Error(`${open} payments, payouts or deliveries still pending`)
      if (++polls % 20 === 0) console.log(`multi-process: ${open} payments, payouts or deliveries still pending`)
      await sleep(500)
    }
    const events = (await client.query<{ id: string; event: string; tx: string }>("select id, doc->>'event' as event, doc->'data'->>'transaction_id' as tx from events order by seq")).rows
    // The resumed stream catches up by polling the shared store: wait until it has shown every
    // event (or for a generous deadline, and let the report say what is missing), not a fixed time.
    const streamDeadline = Date.now() + 60_000
    while (events.some((e) => !stream1.ids.includes(e.id) && !stream2.ids.includes(e.id)) && Date.now() < streamDeadline) await sleep(200)
    // Anything after the last event (a duplicate) would come right behind it.
    await sleep(500)
    stream2.abort()
    await stream2.ended

    const transactions = (await client.query<{ reference: string; status: string; result_desc: string | null }>("select doc->>'reference' as reference, doc->>'status' as status, doc->>'result_desc' as result_desc from transactions")).rows
    const perKey = new Map<string, number>()
    for (const t of transactions) perKey.set(t.reference, (perKey.get(t.reference) ?? 0) + 1)
    const paymentEvents = new Map<string, number>()
    for (const e of events) if (e.event.startsWith('payment.')) paymentEvents.set(e.tx, (paymentEvents.get(e.tx) ?? 0) + 1)
    const deliveredIds = receiver.received().map((r) => (r.json as { id: string }).id)
    const deliveredOnce = new Set(deliveredIds)
    const emulatorRequests = ((await (await fetch(`${emulator.url}/__emulator/requests`)).json()) as { requests: Array<{ endpoint: string; status: number; request: { body: Record<string, unknown> }; response: { body: Record<string, unknown> } }> }).requests
    const pushesPerRef = new Map<string, number>()
    const b2cAccepted = new Map<string, number>()
    for (const r of emulatorRequests) {
      if (r.endpoint === 'stk_push' && r.status === 200) pushesPerRef.set(String(r.request.body.AccountReference), (pushesPerRef.get(String(r.request.body.AccountReference)) ?? 0) + 1)
      if (r.endpoint?.startsWith('b2c') && r.status === 200) {
        const ocid = String(r.request.body.OriginatorConversationID)
        b2cAccepted.set(ocid, (b2cAccepted.get(ocid) ?? 0) + 1)
      }
    }
    const seen = [...stream1.ids, ...stream2.ids]
    const report = {
      keys: KEYS,
      transactions: transactions.length,
      keys_with_more_than_one_transaction: [...perKey.values()].filter((n) => n > 1).length,
      daraja_pushes: [...pushesPerRef.values()].reduce((a, b) => a + b, 0),
      keys_pushed_twice: [...pushesPerRef.values()].filter((n) => n > 1).length,
      // Killed between storing the payment and Daraja taking the push: failed as unconfirmed.
      keys_never_pushed: transactions.filter((t) => !pushesPerRef.has(t.reference)).length,
      never_pushed_not_failed_unconfirmed: transactions.filter((t) => !pushesPerRef.has(t.reference) && (t.status !== 'failed' || t.result_desc !== 'Daraja never confirmed the STK push')).length,
      events: events.length,
      payments_with_more_than_one_payment_event: [...paymentEvents.values()].filter((n) => n > 1).length,
      webhook_deliveries_received: deliveredIds.length,
      events_never_delivered: events.filter((e) => !deliveredOnce.has(e.id)).length,
      duplicate_deliveries: deliveredIds.length - deliveredOnce.size,
      b2c_accepted: [...b2cAccepted.values()].reduce((a, b) => a + b, 0),
      ocids_with_more_than_one_b2c: [...b2cAccepted.values()].filter((n) => n > 1).length,
      sse_events_seen: seen.length,
      sse_duplicates: seen.length - new Set(seen).size,
      sse_missing: events.filter((e) => !seen.includes(e.id)).length,
    }
    console.log(`multi-process: ${JSON.stringify(report)}`)
    expect(report.transactions).toBe(KEYS)
    expect(report.keys_with_more_than_one_transaction).toBe(0)
    // One Daraja push per key, but for a push the kill took before Daraja had it (only the killed
    // instance was sending it; that key's retries replay its stored answer).
    expect(report.keys_pushed_twice).toBe(0)
    expect(report.keys_never_pushed).toBeLessThanOrEqual(CONCURRENCY)
    expect(report.never_pushed_not_failed_unconfirmed).toBe(0)
    expect(report.daraja_pushes + report.keys_never_pushed).toBe(KEYS)
    expect(paymentEvents.size).toBe(KEYS)
    expect(report.payments_with_more_than_one_payment_event).toBe(0)
    expect(report.events_never_delivered).toBe(0)
    expect(report.ocids_with_more_than_one_b2c).toBe(0)
    expect(report.sse_duplicates).toBe(0)
    expect(report.sse_missing).toBe(0)
    expect(seen).toEqual(events.map((e) => e.id))
  })
})
