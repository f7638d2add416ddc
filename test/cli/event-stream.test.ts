import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { parseSse, streamGatewayEvents, type EventStreamItem, type SseMessage } from '../../src/client/event-stream.js'

async function* chunked(parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? new TextEncoder().encode(part) : part
}

async function collect(parts: Array<string | Uint8Array>): Promise<SseMessage[]> {
  const out: SseMessage[] = []
  for await (const m of parseSse(chunked(parts))) out.push(m)
  return out
}

describe('parseSse', () => {
  it('reads id/event/data, skips heartbeat comments, joins data lines and drops an unfinished block', async () => {
    const text = ': connected\nretry: 3000\n\nid: evt_1\nevent: payment.success\ndata: {"a":1}\n\n: heartbeat\n\ndata: line one\ndata:line two\n\nid: evt_3\ndata: cut off'
    expect(await collect([text])).toEqual([
      { id: 'evt_1', event: 'payment.success', data: '{"a":1}' },
      { event: 'message', data: 'line one\nline two' },
    ])
  })

  it('handles CRLF split across chunks and multi-byte UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('id: evt_1\r\nevent: e\r\ndata: {"name":"Wanjikũ ☕"}\r\n\r\n')
    const cut = bytes.indexOf(0xe2) + 1 // inside the 3-byte ☕
    const crlf = bytes.indexOf(0x0d) + 1 // between \r and \n
    const parts = [bytes.subarray(0, crlf), bytes.subarray(crlf, cut), bytes.subarray(cut)]
    expect(await collect(parts)).toEqual([{ id: 'evt_1', event: 'e', data: '{"name":"Wanjikũ ☕"}' }])
  })

  it('drops a leading BOM, ends a line on a final CR and reports retry: at once', async () => {
    const retries: number[] = []
    const out: SseMessage[] = []
    for await (const m of parseSse(chunked(['\uFEFFretry: 250\r\r', 'data: x\r\r']), { onRetry: (ms) => retries.push(ms) })) out.push(m)
    expect(out).toEqual([{ event: 'message', data: 'x' }])
    expect(retries).toEqual([250])
  })

  it('gives the same messages however the bytes are chunked (property)', async () => {
    const message = fc.record({
      id: fc.stringMatching(/^evt_[A-Za-z0-9]{1,8}$/),
      event: fc.constantFrom('payment.success', 'payment.failed', 'payout.pending_manual'),
      data: fc.json(),
    })
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), async (messages, cuts, eol) => {
        const text = messages.map((m) => `: hb${eol}id: ${m.id}${eol}event: ${m.event}${eol}data: ${m.data}${eol}${eol}`).join('')
        const bytes = new TextEncoder().encode(text)
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
        const parts: Uint8Array[] = []
        let at = 0
        for (const p of [...points, bytes.length]) {
          parts.push(bytes.subarray(at, p))
          at = p
        }
        expect(await collect(parts)).toEqual(messages.map((m) => ({ id: m.id, event: m.event, data: m.data })))
      }),
      { numRuns: 150 },
    )
  })
})

describe('streamGatewayEvents against a real SSE server', () => {
  let server: Server | undefined
  afterEach(async () => {
    if (server) await new Promise<void>((resolve) => {
      server!.close(() => resolve())
      server!.closeAllConnections()
    })
    server = undefined
  })

  async function serve(handler: (headers: IncomingHttpHeaders, res: ServerResponse, n: number) => void): Promise<string> {
    let n = 0
    server = createServer((req, res) => handler(req.headers, res, n++))
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('reconnects after a drop with Last-Event-ID set to the last id seen, and sends the key', async () => {
    const seen: IncomingHttpHeaders[] = []
    const url = await serve((headers, res, n) => {
      seen.push(headers)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      if (n === 0) {
        res.write('retry: 20\n\n')
        res.end('id: evt_A\nevent: payment.success\ndata: {"n":1}\n\nid: evt_B\nevent: payment.failed\ndata: {"n":2}\n\n')
      } else res.write('id: evt_C\nevent: payout.success\ndata: {"n":3}\n\n')
    })
    const controller = new AbortController()
    const items: EventStreamItem[] = []
    for await (const item of streamGatewayEvents({ baseUrl: url, apiKey: 'mpg_test_k' }, { signal: controller.signal, events: ['payment.success'] })) {
      items.push(item)
      if (item.type === 'event' && item.id === 'evt_C') controller.abort()
    }
    expect(items.map((i) => (i.type === 'event' ? i.id : i.type))).toEqual(['connected', 'evt_A', 'evt_B', 'reconnecting', 'connected', 'evt_C'])
    expect(items[4]).toEqual({ type: 'connected', resumedFrom: 'evt_B' })
    expect(seen[0]['last-event-id']).toBeUndefined()
    expect(seen[1]['last-event-id']).toBe('evt_B')
    expect(seen[0].authorization).toBe('Bearer mpg_test_k')
  })

  it('throws the gateway’s error on a refused first connection instead of retrying', async () => {
    const url = await serve((_h, res) => {
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'Invalid API key', hint: 'Create one with mpg keys create.', detail: '' }))
    })
    const run = async () => {
      for await (const _ of streamGatewayEvents({ baseUrl: url, apiKey: 'mpg_test_bad' })) void _
    }
    await expect(run()).rejects.toMatchObject({ kind: 'auth', message: 'Invalid API key' })
  })
})
