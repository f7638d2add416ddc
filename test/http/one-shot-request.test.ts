import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { sendOneShot } from '../../src/http/one-shot-request.js'
import { sendRequest } from '../../src/http/request.js'
import { networkFailure as failure } from '../helpers/network-failure.js'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handle)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** The CLI's fast path sends with sendOneShot: it must answer as sendRequest does, or the fast path's messages would differ from oclif's. */
describe('sendOneShot (one request without a pool)', () => {
  it('sends the body and headers, and reads status, lower-case headers (repeats joined) and the body, as sendRequest does', async () => {
    const seen: Array<{ method?: string; url?: string; type?: string; body: string }> = []
    const url = await serve((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body })
        res.setHeader('X-Answer', ['one', 'two'])
        res.writeHead(202, { 'Content-Type': 'application/json' })
        res.end('{"ok":true,"text":"é"}')
      })
    })
    const request = { method: 'POST' as const, url: `${url}/path?q=%C3%A9`, json: { amount: 1 }, timeoutMs: 2000 }
    const [oneShot, pooled] = [await sendOneShot(request), await sendRequest(request)]
    expect(seen[0]).toEqual({ method: 'POST', url: '/path?q=%C3%A9', type: 'application/json', body: '{"amount":1}' })
    expect(seen[1]).toEqual(seen[0])
    expect(oneShot).toMatchObject({ status: 202, body: '{"ok":true,"text":"é"}', truncated: false })
    expect(oneShot.headers['content-type']).toBe('application/json')
    expect(oneShot.headers['x-answer']).toBe('one, two')
    // The same answer but for what differs between two exchanges: the clock, and whether the connection stays open.
    const comparable = (r: typeof oneShot) => ({ ...r, durationMs: 0, headers: { ...r.headers, date: '', connection: '', 'keep-alive': '' } })
    expect(comparable(oneShot)).toEqual(comparable(pooled))
  })

  it('a refused connection fails as sendRequest fails: same code, same message', async () => {
    const url = await serve(() => undefined)
    server!.close()
    const [oneShot, pooled] = [await failure(sendOneShot({ method: 'GET', url, timeoutMs: 2000 })), await failure(sendRequest({ method: 'GET', url, timeoutMs: 2000 }))]
    expect({ code: oneShot.code, message: oneShot.message, timedOut: oneShot.timedOut }).toEqual({ code: pooled.code, message: pooled.message, timedOut: false })
    expect(oneShot.code).toBe('ECONNREFUSED')
  })

  it('holds the deadline over the whole exchange, with sendRequest’s words', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200)
      res.write('a')
    })
    const started = performance.now()
    const error = await failure(sendOneShot({ method: 'GET', url, timeoutMs: 300 }))
    // The server never ends the body: without the deadline this would wait for the test's timeout.
    expect(performance.now() - started).toBeLessThan(10_000)
    expect({ code: error.code, message: error.message, timedOut: error.timedOut }).toEqual({ code: 'ETIMEDOUT', message: 'no answer within 300 ms', timedOut: true })
  })

  it('keeps at most maxBodyBytes of the body and says it was cut', async () => {
    const url = await serve((_req, res) => res.end('x'.repeat(10_000)))
    const res = await sendOneShot({ method: 'GET', url, timeoutMs: 2000, maxBodyBytes: 100 })
    expect(res.body).toBe('x'.repeat(100))
    expect(res.truncated).toBe(true)
  })

  it('an answer cut off mid-body is a NetworkError, not a short answer', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('partial', () => res.socket?.destroy())
    })
    const error = await failure(sendOneShot({ method: 'GET', url, timeoutMs: 2000 }))
    expect(error.timedOut).toBe(false)
  })
})
