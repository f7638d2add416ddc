import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

/**
 * A proxy in front of Daraja that passes STK pushes through but answers the gateway with its own
 * 502 page, as a load balancer that timed out would: Daraja has the push, the gateway cannot know.
 */
async function startLossyProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        const body: Buffer[] = []
        up.on('data', (c: Buffer) => body.push(c))
        up.on('end', () => {
          if (req.url?.startsWith('/mpesa/stkpush/')) {
            res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>')
          } else {
            res.writeHead(up.statusCode ?? 500, up.headers).end(Buffer.concat(body))
          }
        })
      })
      upstream.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let emulator: RunningEmulator | undefined
let proxy: { close(): Promise<void> } | undefined
let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
  await proxy?.close()
  await emulator?.close()
})

describe('a Daraja answer that may hide an accepted push', () => {
  it('a 502 page from a proxy is not a refusal: the payment stays pending and its callback settles it', async () => {
    emulator = await startEmulator({ callbackDelayMs: 50 })
    const lossy = await startLossyProxy(emulator.url)
    proxy = lossy
    gw = await startTestGateway({ env: { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: lossy.url } })
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), headers: { 'idempotency-key': 'lossy-1' } })
    expect(res.status).toBe(502)
    const replay = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), headers: { 'idempotency-key': 'lossy-1' } })
    expect(replay.status).toBe(200)
    const { transaction_id } = (await replay.json()) as { transaction_id: string }
    const t = await waitFor(async () => {
      const body = (await (await gw!.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string; mpesa_receipt_number: string | null } }
      return body.transaction.status === 'pending' ? undefined : body.transaction
    })
    expect(t.status).toBe('success')
    expect(t.mpesa_receipt_number).toMatch(/^[A-Z0-9]{10}$/)
    expect(emulator.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(1)
  })
})
