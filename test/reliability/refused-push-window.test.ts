import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { mountSmallDisk, smallDiskUnavailable, useUpJournalSlack, type SmallDisk } from '../helpers/small-disk.js'
import { testStore } from '../helpers/store-env.js'
import { finishedTimeline } from '../webhooks/helpers.js'
import { expectErrorBody, subscribe } from './faults.js'
import { cutWritesAfter } from './write-cut.js'

// A real full disk needs the embedded store (PostgreSQL's files are not on it).
const unavailable = testStore === 'postgres' ? 'the store under test is PostgreSQL' : smallDiskUnavailable()
let disk: SmallDisk | undefined
const gateways: TestGateway[] = []
let receiver: CallbackReceiver | undefined

afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  await receiver?.close()
  receiver = undefined
  disk?.close()
  disk = undefined
})

async function start(dataDir: string): Promise<TestGateway> {
  const g = await startTestGateway({ dataDir })
  gateways.push(g)
  return g
}

const REFUSAL = { status: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid PhoneNumber' }

describe.skipIf(unavailable)('a refused STK push whose second write fails (a real full disk)', () => {
  it('after the restart the payment is failed with Daraja\'s refusal, one payment.failed, and the key makes a new attempt', async () => {
    disk = mountSmallDisk()
    const dataDir = join(disk.dir, 'data')
    mkdirSync(dataDir)
    const gw = await start(dataDir)
    const key = gw.key
    receiver = await subscribe(gw)
    gw.emulator!.setFault({ kind: 'error', endpoint: 'stk_push', ...REFUSAL, count: 1 })

    // The push's writes: the payment with its key's claim, then (Daraja refused) the refusal and
    // the key's release, in either order. The disk fills after the second: the third fails.
    const store = gw.context.store
    const cut = cutWritesAfter(store, 2, async () => {
      await useUpJournalSlack(store, join(dataDir, 'gateway.journal'))
      disk!.fill()
    })
    const body = stkBody({ reference: 'ORDER-7' })
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: body, headers: { 'idempotency-key': 'order-7' } })
    await cut.happened
    expect(cut.called.slice(0, 1)).toEqual(['insertTransaction'])
    await expectErrorBody(res, 503)
    await expect(gw.failed).resolves.toBeInstanceOf(Error)
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(1)

    // A supervisor restarts it on the same data dir once there is room.
    await gw.close()
    disk.free()
    const again = await start(dataDir)
    const list = (await (await again.api('/api/v1/transactions', { auth: key })).json()) as { data: Array<{ id: string }> }
    expect(list.data).toHaveLength(1)
    const id = list.data[0].id
    const read = (await (await again.api(`/api/v1/transactions/${id}`, { auth: key })).json()) as { transaction: Record<string, unknown> }
    // Daraja's own reason, not "never confirmed" from the reconciler later.
    expect(read.transaction).toMatchObject({ status: 'failed', result_code: REFUSAL.errorCode, result_desc: REFUSAL.errorMessage, checkout_request_id: null })

    // One payment.failed stored, and delivered (a delivery cut off by the crash may come twice, same event).
    const timeline = await finishedTimeline(again, id, key)
    expect(timeline.map((e) => e.event)).toEqual(['payment.failed'])
    await receiver.waitFor(1, { filter: (r) => (r.json as { event?: string })?.event === 'payment.failed', timeoutMs: 10_000 })
    const delivered = new Set(receiver.received().filter((r) => (r.json as { event?: string })?.event === 'payment.failed').map((r) => (r.json as { id: string }).id))
    expect([...delivered]).toEqual([timeline[0].id])

    // Daraja refused it, so the key was not consumed: the retry is a new attempt (README, Idempotency).
    const retry = await again.api('/api/v1/stk-push', { method: 'POST', json: body, headers: { 'idempotency-key': 'order-7' }, auth: key })
    expect(retry.status, await retry.clone().text()).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
    expect(((await retry.json()) as { transaction_id: string }).transaction_id).not.toBe(id)
    expect(again.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(1)
  })
})
