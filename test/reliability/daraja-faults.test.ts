import { afterEach, describe, expect, it } from 'vitest'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { allTransactions, expectConsistent, expectErrorBody, subscribe, waitAllSettled } from './faults.js'

/**
 * Daraja failing, driven through the emulator's control API (`/__emulator/faults`): clear 502s,
 * nothing lost, nothing duplicated, and recovery once the fault is lifted. (2 s latency and
 * timeouts are in test/slow/daraja-latency.test.ts.)
 */
let gw: TestGateway | undefined
let receiver: CallbackReceiver | undefined

afterEach(async () => {
  await receiver?.close()
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  gw = receiver = undefined
})

async function control(path: string, init: { method: string; json?: unknown }) {
  const res = await fetch(`${gw!.emulator!.url}/__emulator/${path}`, {
    method: init.method,
    headers: init.json === undefined ? {} : { 'content-type': 'application/json' },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  })
  expect(res.status, await res.clone().text()).toBeLessThan(300)
  return res.json()
}

const push = (body: Record<string, unknown>, key?: string) =>
  gw!.api('/api/v1/stk-push', { method: 'POST', json: stkBody(body), headers: key ? { 'idempotency-key': key } : {} })

describe('Daraja faults', () => {
  it('OAuth failing: a clear 502 naming Daraja\'s error, the attempt kept as failed, the key reusable once OAuth is back', async () => {
    gw = await startTestGateway()
    receiver = await subscribe(gw)
    await control('faults', { method: 'POST', json: { kind: 'error', endpoint: 'oauth', status: 503, errorCode: '503.001.01', errorMessage: 'Service Unavailable' } })

    const refused = await push({ reference: 'OAUTH-1' }, 'oauth-key-1')
    const body = await expectErrorBody(refused, 502)
    expect(body.detail).toContain('503.001.01')
    expect(body.hint).toMatch(/retry|credentials/i)
    const stillRefused = await push({ reference: 'OAUTH-1' }, 'oauth-key-1')
    await expectErrorBody(stillRefused, 502)
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(0)

    await control('faults', { method: 'DELETE' })
    const accepted = await push({ reference: 'OAUTH-1' }, 'oauth-key-1')
    expect(accepted.status).toBe(201)
    const replay = await push({ reference: 'OAUTH-1' }, 'oauth-key-1')
    expect(replay.status).toBe(200)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')

    const all = await waitAllSettled(gw)
    expect(all.map((t) => t.status).sort()).toEqual(['failed', 'failed', 'success'])
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(1)
    await expectConsistent(gw, receiver, all)
  })

  it('STK push answering 500s: each a 502 with Daraja\'s code, no prompt sent, the next push goes through', async () => {
    gw = await startTestGateway()
    receiver = await subscribe(gw)
    await control('faults', { method: 'POST', json: { kind: 'error', endpoint: 'stk_push', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error', count: 3 } })

    const answers = await Promise.all([1, 2, 3].map((i) => push({ reference: `FAIL-${i}` }, `k-${i}`)))
    for (const res of answers) expect((await expectErrorBody(res, 502)).detail).toContain('500.003.1001')
    // The fault is used up: the same keys now go through, once each.
    const retried = await Promise.all([1, 2, 3].map((i) => push({ reference: `FAIL-${i}` }, `k-${i}`)))
    for (const res of retried) expect(res.status).toBe(201)

    const all = await waitAllSettled(gw)
    expect(all).toHaveLength(6)
    expect(all.filter((t) => t.status === 'failed').every((t) => t.checkout_request_id === null)).toBe(true)
    expect(all.filter((t) => t.status === 'success').map((t) => t.reference).sort()).toEqual(['FAIL-1', 'FAIL-2', 'FAIL-3'])
    await expectConsistent(gw, receiver, all)
  })

  it('duplicated callbacks: every payment final once, one event and one payout each', async () => {
    gw = await startTestGateway()
    receiver = await subscribe(gw)
    await control('faults', { method: 'POST', json: { kind: 'callback', action: 'duplicate' } })

    const phones = ['254708374149', '254700000001', '254700000003', '254712345678', '254700000007', '254711111111']
    const answers = await Promise.all(phones.map((phone, i) => push({ phone, reference: `DUP-${i}` })))
    for (const res of answers) expect(res.status).toBe(201)
    const all = await waitAllSettled(gw)
    await gw.emulator!.settle()
    const copies = gw.emulator!.callbacks().filter((c) => c.kind === 'stk' && c.copy === 2)
    expect(copies.length).toBeGreaterThanOrEqual(phones.length) // the fault really doubled them
    expect(all.filter((t) => t.status === 'success')).toHaveLength(4)
    expect(all.filter((t) => t.status === 'failed').map((t) => t.result_code).sort()).toEqual(['1', '1032'])
    await expectConsistent(gw, receiver, await allTransactions(gw))
  })

  it('dropped callbacks: reconciliation finds every outcome, nothing lost', async () => {
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '0.3' } })
    receiver = await subscribe(gw)
    // Exactly the four STK callbacks (254700000005 never sends one); B2C results come later and get through.
    await control('faults', { method: 'POST', json: { kind: 'callback', action: 'drop', count: 4 } })

    const phones = ['254708374149', '254700000001', '254712345678', '254700000002', '254700000005']
    const answers = await Promise.all(phones.map((phone, i) => push({ phone, reference: `DROP-${i}` })))
    for (const res of answers) expect(res.status).toBe(201)
    const all = await waitAllSettled(gw)
    const dropped = gw.emulator!.callbacks().filter((c) => c.kind === 'stk' && c.dropped)
    expect(dropped).toHaveLength(4)
    expect(all.map((t) => `${t.reference}:${t.status}:${t.result_code}`).sort()).toEqual([
      'DROP-0:success:0',
      'DROP-1:failed:1032',
      'DROP-2:success:0',
      'DROP-3:failed:1037',
      'DROP-4:success:0',
    ])
    await expectConsistent(gw, receiver, all)
    // Lifted: the next payment is told by its callback again.
    await control('faults', { method: 'DELETE' })
    const next = await push({ reference: 'AFTER' })
    expect(next.status).toBe(201)
    await waitAllSettled(gw)
    const afterCallbacks = gw.emulator!.callbacks().filter((c) => c.kind === 'stk' && !c.dropped && c.response?.status === 200)
    expect(afterCallbacks.length).toBeGreaterThanOrEqual(1)
  })

  it('STK query failing during reconciliation: payments stay pending (never failed), then settle once it recovers', async () => {
    gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '0.2' } })
    receiver = await subscribe(gw)
    await control('faults', { method: 'POST', json: { kind: 'error', endpoint: 'stk_query', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error' } })
    const res = await push({ phone: '254700000005', reference: 'QUERY-DOWN' })
    expect(res.status).toBe(201)
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    // Several reconciliation passes hit the failing query…
    await waitFor(() => gw!.emulator!.requests().filter((r) => r.endpoint === 'stk_query').length >= 3, { what: 'three failed queries', timeoutMs: 20_000 })
    const during = (await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string } }
    expect(during.transaction.status).toBe('pending')
    // …and the first one after the fault is lifted settles it.
    await control('faults', { method: 'DELETE' })
    const all = await waitAllSettled(gw)
    expect(all.map((t) => t.status)).toEqual(['success'])
    await expectConsistent(gw, receiver, all)
  })
})
