import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway | undefined
let emulator: RunningEmulator | undefined
let proxy: Server | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  await emulator?.close()
  if (proxy) {
    const p = proxy
    p.closeAllConnections()
    await new Promise((resolve) => p.close(resolve))
  }
  gw = emulator = proxy = undefined
})

/** A real HTTP proxy in front of the emulator that resets the connection of the next `drop` B2C calls. */
async function startProxy(target: string, state: { dropB2c: number }): Promise<string> {
  const to = new URL(target)
  proxy = createServer((req, res) => {
    if (req.url?.startsWith('/mpesa/b2c/') && state.dropB2c > 0) {
      state.dropB2c--
      req.socket.destroy()
      return
    }
    const upstream = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
}

describe('payout retry', () => {
  it('a B2C that could not reach Daraja is sent again without a restart, once, and paid once', async () => {
    emulator = await startEmulator({ callbackDelayMs: 30 })
    const state = { dropB2c: 1 }
    const url = await startProxy(emulator.url, state)
    gw = await startTestGateway({ env: { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: url, MPG_RECONCILE_AFTER_S: '0.2', MPG_PAYOUT_RETRY_DELAYS_MS: '200' } })
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
    expect(res.status).toBe(201)
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    await waitFor(() => gw!.logs.find((l) => l.event === 'payout.retry_later' && l.transaction_id === transaction_id), { what: 'the first B2C to fail' })
    const t = await waitFor(async () => {
      const current = await gw!.context.store.getTransaction(transaction_id)
      return current?.payout?.status === 'success' ? current : undefined
    }, { timeoutMs: 10_000, what: 'the payout to be sent again and succeed' })
    expect(t.payout).toMatchObject({ status: 'success', result_code: '0' })
    expect(emulator.requests().filter((r) => r.endpoint === 'b2c_v3')).toHaveLength(1)
    const events = await gw.context.store.listEventsAfter(t.account_id, 'test', 0, 100)
    expect(events.filter((e) => e.event === 'payout.success')).toHaveLength(1)
  })
})
