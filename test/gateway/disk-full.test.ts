import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { mountSmallDisk, smallDiskUnavailable, useUpJournalSlack, type SmallDisk } from '../helpers/small-disk.js'
import { spawnServe } from '../helpers/serve-process.js'
import { readStore } from '../helpers/store-file.js'

const unavailable = smallDiskUnavailable()
let disk: SmallDisk | undefined
const gateways: TestGateway[] = []

afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  disk?.close()
  disk = undefined
})

async function gatewayOnSmallDisk(): Promise<TestGateway> {
  disk = mountSmallDisk()
  const dataDir = join(disk.dir, 'data')
  mkdirSync(dataDir)
  return restart(dataDir)
}

async function restart(dataDir: string): Promise<TestGateway> {
  const g = await startTestGateway({ dataDir })
  gateways.push(g)
  return g
}

/** Fills the disk so that the gateway's very next journal append fails. */
async function fillDisk(g: TestGateway): Promise<void> {
  await useUpJournalSlack(g.context.store, join(g.dataDir, 'gateway.journal'))
  disk!.fill()
}

describe.skipIf(unavailable)('a full disk under a running gateway (a real 2 MiB tmpfs)', () => {
  it('a write that fails after Daraja took the push keeps the Idempotency-Key: after the restart the retry replays that payment, no second push', async () => {
    const gw = await gatewayOnSmallDisk()
    const key = gw.key
    gw.emulator!.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 1500, count: 1 })
    const first = gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'ORDER-42' }), headers: { 'idempotency-key': 'order-42' } })
    // The payment and its key are on disk before Daraja is called; fill the disk while Daraja thinks.
    await waitFor(async () => (await gw.context.store.listInFlightIdempotency()).length === 1, { what: 'the claim to be stored' })
    await fillDisk(gw)
    const res = await first
    expect(res.status).toBe(503)
    const body = (await res.json()) as Record<string, string>
    expect(body).toEqual({ error: 'Storage unavailable', hint: expect.stringMatching(/Free disk space/), detail: expect.stringMatching(/ENOSPC.*gateway\.journal|gateway\.journal.*ENOSPC/) })
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(1)

    // Failed: nothing is answered from memory, and /health says so.
    expect((await gw.api('/api/v1/transactions')).status).toBe(503)
    const health = await fetch(`${gw.url}/health`)
    expect(health.status).toBe(503)
    expect(await health.json()).toMatchObject({ status: 'failed', error: 'Storage failed' })
    await expect(gw.failed).resolves.toBeInstanceOf(Error)

    // A supervisor restarts it once there is room: the retry replays the pending payment.
    await gw.close()
    disk!.free()
    const again = await restart(gw.dataDir)
    const retry = await again.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'ORDER-42' }), headers: { 'idempotency-key': 'order-42' }, auth: key })
    expect(retry.status).toBe(200)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    const stored = await readStore(gw.dataDir)
    expect(stored.transactions).toHaveLength(1)
    expect(((await retry.json()) as { transaction_id: string }).transaction_id).toBe(stored.transactions[0].id)
    expect(again.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(0)
  })

  it('a callback whose write fails changes nothing: Daraja gets 503, nobody sees success, no B2C; after the restart the payment is still pending', async () => {
    const gw = await gatewayOnSmallDisk()
    const pushed = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000008' }) })
    expect(pushed.status).toBe(201)
    const { transaction_id, checkout_request_id } = (await pushed.json()) as { transaction_id: string; checkout_request_id: string }
    await fillDisk(gw)
    gw.emulator!.resolve(checkout_request_id, 0)
    const callback = await waitFor(() => gw.emulator!.callbacks().find((c) => c.kind === 'stk' && c.response), { what: 'the STK callback to be answered' })
    expect(callback.response!.status).toBe(503)
    const read = await gw.api(`/api/v1/transactions/${transaction_id}`)
    expect(read.status).toBe(503)
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'b2c_v1' || r.endpoint === 'b2c_v3')).toHaveLength(0)

    await gw.close()
    disk!.free()
    const stored = await readStore(gw.dataDir)
    expect(stored.transactions.find((t) => t.id === transaction_id)).toMatchObject({ status: 'pending', payout: null })
    expect(stored.events).toEqual([])
    expect(stored.deliveries).toEqual([])
  })
})

describe.skipIf(unavailable)('mpg serve on a full disk', () => {
  it('stops with a non-zero exit and one line naming the storage problem, so a supervisor restarts it from disk', async () => {
    disk = mountSmallDisk()
    const dataDir = join(disk.dir, 'data')
    mkdirSync(dataDir)
    const serve = await spawnServe(['--data-dir', dataDir], { MPG_EMULATOR_CALLBACK_DELAY_MS: '60000' })
    try {
      const { url, key } = serve.ready
      disk.fill()
      // Each push appends ~1.5 KB: within a few, one needs a page the full disk does not have.
      const statuses: number[] = []
      for (let i = 0; i < 10 && !statuses.includes(503); i++) {
        const res = await fetch(`${url}/api/v1/stk-push`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(stkBody({ phone: '254700000008' })) })
        statuses.push(res.status)
      }
      expect(statuses.at(-1)).toBe(503)
      expect(await serve.exited).toBe(1)
      const errorLines = serve.lines.filter((l) => 'error' in l && typeof l.error === 'object')
      expect(errorLines).toHaveLength(1)
      expect((errorLines[0].error as { message: string }).message).toMatch(/The gateway stopped: Cannot write the store journal .*ENOSPC/)
    } finally {
      serve.child.kill('SIGKILL')
    }
  })
})
