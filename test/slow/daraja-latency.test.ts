import { afterEach, describe, expect, it } from 'vitest'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { allTransactions, expectConsistent, expectErrorBody, subscribe, waitAllSettled } from '../reliability/faults.js'

/** Daraja answering slowly (2 s), within and beyond the gateway's Daraja timeout. */
let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined

afterEach(async () => {
  await receiver?.close()
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  gw = receiver = undefined
})

async function fault(json: unknown) {
  const res = await fetch(`${gw!.emulator!.url}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
  expect(res.status).toBe(201)
}

describe('Daraja latency', () => {
  it('2 s of latency on STK push: concurrent pushes all succeed, once each', async () => {
    gw = await startTestGateway()
    receiver = await subscribe(gw)
    await fault({ kind: 'latency', endpoint: 'stk_push', ms: 2000, count: 5 })
    const answers = await Promise.all([0, 1, 2, 3, 4].map((i) => gw!.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: `SLOW-${i}` }), headers: { 'idempotency-key': `slow-${i}` } })))
    for (const res of answers) expect(res.status).toBe(201)
    const all = await waitAllSettled(gw)
    expect(all.map((t) => t.status)).toEqual(['success', 'success', 'success', 'success', 'success'])
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(5)
    await expectConsistent(gw, receiver, all)
  })

  it('2 s of latency beyond a 500 ms Daraja timeout: a clear 502, the payment kept pending, then settled by its callback', async () => {
    gw = await startTestGateway({ env: { DARAJA_TIMEOUT_MS: '500' } })
    receiver = await subscribe(gw)
    await fault({ kind: 'latency', endpoint: 'stk_push', ms: 2000, count: 1 })
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'TIMED-OUT' }), headers: { 'idempotency-key': 'timed-out' } })
    const body = await expectErrorBody(res, 502)
    expect(body.hint).toMatch(/did not answer|retry/i)
    const [t] = await allTransactions(gw)
    expect(t.status).toBe('pending') // Daraja may have taken it: never declared failed on a timeout
    // Daraja did take it: its callback settles the payment although the push answer never arrived.
    const settled = await waitFor(async () => (await allTransactions(gw!)).find((x) => x.status !== 'pending'), { timeoutMs: 20_000, what: 'the late callback' })
    expect(settled.status).toBe('success')
    expect(settled.mpesa_receipt_number).toMatch(/^[A-Z0-9]{10}$/)
    await expectConsistent(gw, receiver, await waitAllSettled(gw))
  })
})
