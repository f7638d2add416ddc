import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { addEndpoint, bodyOf, createAccountWithKey } from '../webhooks/helpers.js'

/** A receiver that never answers; it counts the requests it holds open, per path and in all. */
async function startHangingReceiver() {
  const sockets = new Set<Socket>()
  const open = new Map<string, number>()
  let openNow = 0
  let maxOpen = 0
  let received = 0
  const maxPerPath = new Map<string, number>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? ''
    received++
    openNow++
    maxOpen = Math.max(maxOpen, openNow)
    open.set(path, (open.get(path) ?? 0) + 1)
    maxPerPath.set(path, Math.max(maxPerPath.get(path) ?? 0, open.get(path)!))
    res.on('close', () => {
      openNow--
      open.set(path, open.get(path)! - 1)
    })
    req.resume()
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats: () => ({ openNow, maxOpen, received, maxPerPath: Math.max(0, ...maxPerPath.values()) }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

let gw: TestGateway | undefined
let fast: CallbackReceiver | undefined
let hanging: Awaited<ReturnType<typeof startHangingReceiver>> | undefined
afterEach(async () => {
  await gw?.close()
  await fast?.close()
  await hanging?.close()
  if (gw) removeDir(gw.dataDir)
  gw = undefined
})

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil(values.length * 0.99) - 1)]

describe('fair webhook delivery', () => {
  it("one tenant's 20 hanging endpoints and 20 payments do not delay another tenant's webhooks", async () => {
    hanging = await startHangingReceiver()
    fast = await startCallbackReceiver()
    // A's receivers hold each request for the whole 30 s timeout: a worker that let them take B's
    // turn would deliver B's webhooks only after that, far beyond any bound below, however loaded
    // the machine. (With 10 s, a slow run could see A's first attempts end before B's had arrived.)
    gw = await startTestGateway({ env: { MPG_WEBHOOK_TIMEOUT_MS: '30000', MPG_WEBHOOK_RETRY_DELAYS_MS: '100,100,100' } })
    const a = await createAccountWithKey(gw, 'Tenant A (dead receivers)', { type: 'paybill', paybill: '888880', account_number: 'A' })
    const b = await createAccountWithKey(gw, 'Tenant B', { type: 'paybill', paybill: '888880', account_number: 'B' })
    for (let i = 0; i < 20; i++) await addEndpoint(gw, `${hanging.url}/dead/${i}`, { auth: a.key, events: ['payment.success'] })
    await addEndpoint(gw, `${fast.url}/hooks`, { auth: b.key, events: ['payment.success'] })

    const pushes = await Promise.all(Array.from({ length: 20 }, (_, i) => gw!.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: `A-${i}` }), auth: a.key })))
    expect(pushes.every((r) => r.status === 201)).toBe(true)
    // A's 400 deliveries are queued and hanging before B pays.
    await waitFor(() => hanging!.stats().openNow >= 16, { what: "A's receivers to hold requests", timeoutMs: 15_000 })

    const B_PAYMENTS = 10
    for (let i = 0; i < B_PAYMENTS; i++) {
      expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: `B-${i}` }), auth: b.key })).status).toBe(201)
    }
    const got = await fast.waitFor(B_PAYMENTS, { timeoutMs: 20_000 })
    const latencies = got.map((r) => r.receivedAt - Date.parse(bodyOf(r).created_at))
    const stats = hanging.stats()
    console.log(
      `tenant B webhook latency p99 ${p99(latencies)} ms (max ${Math.max(...latencies)} ms, n=${latencies.length}); ` +
        `tenant A: ${stats.received} requests to dead receivers, at most ${stats.maxOpen} open at once, ${stats.maxPerPath} per endpoint`,
    )
    expect(got).toHaveLength(B_PAYMENTS)
    expect(new Set(got.map((r) => bodyOf(r).id)).size).toBe(B_PAYMENTS)
    // Idle, p99 is tens of ms; the bound leaves room for a loaded 2-core machine and is still far
    // below A's 30 s hang that an unfair worker would make B wait out.
    expect(p99(latencies)).toBeLessThan(5000)
    // Counts, not only timing: A never holds more than its account's share, nor an endpoint more than its own.
    expect(stats.maxOpen).toBeLessThanOrEqual(16)
    expect(stats.maxPerPath).toBeLessThanOrEqual(4)
    // B's webhooks went out while A's were still hanging (none of A's has finished its first attempt).
    expect(hanging.stats().openNow).toBeGreaterThanOrEqual(16)
  })
})
