import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { sendRequest } from '../../src/http/request.js'
import { networkFailure as failure } from '../helpers/network-failure.js'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

/** A loopback server answering with `handle`; counts the TCP connections it accepts. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0
  server = createServer(handle)
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections }
}

describe('sendRequest (the one outbound path)', () => {
  it('sends the body and headers, and reads status, lower-case headers (repeats joined) and the body', async () => {
    let seen: { method?: string; url?: string; type?: string; body: string } = { body: '' }
    const { url } = await serve((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen = { method: req.method, url: req.url, type: req.headers['content-type'], body }
        res.setHeader('X-Answer', ['one', 'two'])
        res.writeHead(202, { 'Content-Type': 'application/json' })
        res.end('{"ok":true,"text":"é"}')
      })
    })
    const res = await sendRequest({ method: 'POST', url: `${url}/path?q=1`, json: { amount: 1 }, timeoutMs: 2000 })
    expect(seen).toEqual({ method: 'POST', url: '/path?q=1', type: 'application/json', body: '{"amount":1}' })
    expect(res.status).toBe(202)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.headers['x-answer']).toBe('one, two')
    // The headers are read on demand; a response written out as JSON (a log, a trace) still has them.
    expect(JSON.parse(JSON.stringify(res))).toMatchObject({ status: 202, headers: { 'content-type': 'application/json', 'x-answer': 'one, two' }, body: res.body, truncated: false })
    expect(res.body).toBe('{"ok":true,"text":"é"}')
    expect(res.truncated).toBe(false)
  })

  it('keeps connections alive: 20 sequential requests to one origin share one or two connections', async () => {
    const { url, connections } = await serve((_req, res) => res.end('ok'))
    for (let i = 0; i < 20; i++) expect((await sendRequest({ method: 'GET', url: `${url}/n/${i}`, timeoutMs: 2000 })).body).toBe('ok')
    expect(connections()).toBeLessThanOrEqual(2)
  })

  it('holds a short deadline when the headers never come', async () => {
    const { url } = await serve(() => undefined)
    const started = performance.now()
    const error = await failure(sendRequest({ method: 'POST', url, body: '{}', timeoutMs: 200 }))
    expect(error.timedOut).toBe(true)
    expect(error.code).toBe('ETIMEDOUT')
    expect(error.message).toBe('no answer within 200 ms')
    // undici's own header timeout ticks at ~0.5 s: it would answer after up to a second.
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it('holds the deadline over the whole body, even when bytes keep trickling in (undici resets its body timeout on each chunk)', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => res.write('.'), 50)
      res.on('close', () => clearInterval(timer))
    })
    const error = await failure(sendRequest({ method: 'GET', url, timeoutMs: 400 }))
    expect(error.timedOut).toBe(true)
  })

  it('stops at once when the caller cancels, without calling it a timeout', async () => {
    const { url } = await serve(() => undefined)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const error = await failure(sendRequest({ method: 'GET', url, timeoutMs: 30_000, signal: controller.signal }))
    expect(error.timedOut).toBe(false)
    expect(controller.signal.aborted).toBe(true)
    // An already cancelled signal sends nothing.
    const again = await failure(sendRequest({ method: 'GET', url, timeoutMs: 30_000, signal: controller.signal }))
    expect(again.timedOut).toBe(false)
  })

  it('one signal shared by many requests cancels every one still in flight, and none that already ended', async () => {
    const { url } = await serve((req, res) => {
      if (req.url === '/quick') res.end('done')
    })
    const controller = new AbortController()
    const quick = await sendRequest({ method: 'GET', url: `${url}/quick`, timeoutMs: 30_000, signal: controller.signal })
    const pending = Array.from({ length: 20 }, () => failure(sendRequest({ method: 'GET', url: `${url}/slow`, timeoutMs: 30_000, signal: controller.signal })))
    setTimeout(() => controller.abort(), 50)
    const errors = await Promise.all(pending)
    expect(errors.every((e) => !e.timedOut)).toBe(true)
    expect(quick.body).toBe('done')
  })

  it('keeps at most maxBodyBytes of the answer and says it was cut', async () => {
    const { url } = await serve((_req, res) => res.end('x'.repeat(100_000)))
    const res = await sendRequest({ method: 'GET', url, timeoutMs: 2000, maxBodyBytes: 1000 })
    expect(res.status).toBe(200)
    expect(res.body).toBe('x'.repeat(1000))
    expect(res.truncated).toBe(true)
  })

  it('reports a refused connection as a network error that is not a timeout', async () => {
    const { url } = await serve((_req, res) => res.end())
    server!.closeAllConnections()
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
    const error = await failure(sendRequest({ method: 'GET', url, timeoutMs: 2000 }))
    expect(error.timedOut).toBe(false)
    expect(error.code).toBe('ECONNREFUSED')
  })

  it('retries network errors and 5xx only when asked', async () => {
    let calls = 0
    const { url } = await serve((_req, res) => {
      calls++
      res.statusCode = calls < 3 ? 503 : 200
      res.end(String(calls))
    })
    const res = await sendRequest({ method: 'GET', url, timeoutMs: 2000, retries: 2, retryDelayMs: 10 })
    expect(res.status).toBe(200)
    expect(res.body).toBe('3')
  })
})
