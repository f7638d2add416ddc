import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway
beforeEach(async () => {
  gw = await startTestGateway()
})
afterEach(async () => {
  await gw.close()
})

const push = (body: unknown, key?: string) =>
  gw.api('/api/v1/stk-push', { method: 'POST', json: body, headers: key ? { 'idempotency-key': key } : {} })

const pushCount = () => gw.emulator!.requests().filter((r) => r.endpoint === 'stk_push').length

describe('Idempotency-Key', () => {
  it('a sequential replay returns the original response with 200 and Idempotent-Replayed, without a second Daraja call', async () => {
    const first = await push(stkBody(), 'order-1')
    expect(first.status).toBe(201)
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    const original = await first.json()
    const replay = await push(stkBody(), 'order-1')
    expect(replay.status).toBe(200)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(await replay.json()).toEqual(original)
    expect(pushCount()).toBe(1)
    const list = (await (await gw.api('/api/v1/transactions')).json()) as any
    expect(list.data).toHaveLength(1)
  })

  it('key order in the JSON body does not make it a different body', async () => {
    await push({ amount: 100, phone: '254712345678', reference: 'A', description: 'B' }, 'k')
    const replay = await push({ description: 'B', reference: 'A', phone: '254712345678', amount: 100 }, 'k')
    expect(replay.status).toBe(200)
  })

  it('the same key with a different body → 422', async () => {
    expect((await push(stkBody(), 'order-2')).status).toBe(201)
    const res = await push(stkBody({ amount: 101 }), 'order-2')
    expect(res.status).toBe(422)
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/different body/) })
    expect(pushCount()).toBe(1)
  })

  it('two concurrent requests with one key: one creates, the other gets 409 (or the replay), one Daraja call', async () => {
    // Daraja holds the first 1.5 s, so the second surely arrives while it runs, however loaded the machine.
    gw.emulator!.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 1500 })
    const [a, b] = await Promise.all([push(stkBody(), 'order-3'), push(stkBody(), 'order-3')])
    const statuses = [a.status, b.status].sort()
    expect(statuses).toEqual([201, 409])
    const conflict = a.status === 409 ? a : b
    expect(await conflict.json()).toMatchObject({ error: expect.stringMatching(/in progress/) })
    expect(pushCount()).toBe(1)
    // Once the first finishes, the key replays.
    const replay = await push(stkBody(), 'order-3')
    expect(replay.status).toBe(200)
  })

  it('keys are scoped to the account: another account may use the same key', async () => {
    const account = (await (await gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'B', payout_account: { type: 'mpesa', phone: '0712345678' } } })).json()) as any
    const other = ((await (await gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as any).key
    expect((await push(stkBody(), 'shared')).status).toBe(201)
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), headers: { 'idempotency-key': 'shared' }, auth: other })
    expect(res.status).toBe(201)
  })

  it('a 5xx does not consume the key: after Daraja recovers the same key goes through', async () => {
    gw.emulator!.setFault({ kind: 'error', endpoint: 'stk_push', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error', count: 1 })
    const failed = await push(stkBody(), 'order-4')
    expect(failed.status).toBe(502)
    const retry = await push(stkBody(), 'order-4')
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
  })

  it('a Daraja timeout keeps the key on the pending payment: a retry returns it, one prompt, one payment', async () => {
    await gw.close()
    gw = await startTestGateway({ env: { DARAJA_TIMEOUT_MS: '200' } })
    gw.emulator!.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 600, count: 1 })
    const first = await push(stkBody({ reference: 'ORDER-9' }), 'order-9')
    expect(first.status).toBe(502)
    const error = (await first.json()) as { hint: string; detail: string }
    expect(error.hint).toMatch(/may still reach the phone/)
    const retry = await push(stkBody({ reference: 'ORDER-9' }), 'order-9')
    expect(retry.status).toBe(200)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    const { transaction_id } = (await retry.json()) as { transaction_id: string }
    expect(error.detail).toContain(transaction_id)
    // Daraja did take the first push (after its delay): its callback, found by the URL token,
    // settles the payment.
    const t = await waitFor(async () => {
      const body = (await (await gw.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string } }
      return body.transaction.status === 'pending' ? undefined : body.transaction
    })
    expect(t.status).toBe('success')
    await gw.emulator!.settle()
    expect(pushCount()).toBe(1)
  })

  it('the key keeps its 201 by reference: a replay after the payment settled and after a restart is the first answer, byte for byte', async () => {
    const first = await push(stkBody({ reference: 'ORDER-11' }), 'order-11')
    expect(first.status).toBe(201)
    const original = await first.text()
    const { transaction_id } = JSON.parse(original) as { transaction_id: string }
    const [account] = await gw.context.store.listAccounts()
    const stored = await gw.context.store.getIdempotency(`${account.id}:test:order-11`)
    // Done, answered 201, with no copy of the answer (it is the payment's, stored in the same write).
    expect(stored).toMatchObject({ state: 'done', status_code: 201, response: null, transaction_id })
    // The emulator's callback settles the payment; the replay still says what the first answer said.
    await waitFor(async () => ((await gw.context.store.getTransaction(transaction_id))?.status === 'pending' ? undefined : true))
    const settled = await push(stkBody({ reference: 'ORDER-11' }), 'order-11')
    expect(settled.status).toBe(200)
    expect(settled.headers.get('idempotent-replayed')).toBe('true')
    expect(await settled.text()).toBe(original)
    // From what is on disk, in a new process's store.
    const { dataDir, key } = gw
    await gw.close()
    gw = await startTestGateway({ dataDir })
    const restarted = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'ORDER-11' }), headers: { 'idempotency-key': 'order-11' }, auth: key })
    expect(restarted.status).toBe(200)
    expect(await restarted.text()).toBe(original)
    expect(pushCount()).toBe(0) // the restarted gateway's emulator saw no push: nothing was sent again
  })

  it('a key recorded with its answer (a Daraja timeout, start-up recovery, an earlier version) replays that answer', async () => {
    const first = await push(stkBody({ reference: 'ORDER-12' }), 'order-12')
    expect(first.status).toBe(201)
    const [account] = await gw.context.store.listAccounts()
    const scope = `${account.id}:test:order-12`
    const stored = (await gw.context.store.getIdempotency(scope))!
    const answer = { ...((await first.json()) as Record<string, unknown>), customer_message: 'as recorded' }
    await gw.context.store.saveIdempotency({ ...stored, response: answer })
    const replay = await push(stkBody({ reference: 'ORDER-12' }), 'order-12')
    expect(replay.status).toBe(200)
    expect(await replay.json()).toEqual(answer)
  })

  it('a key past its life but not pruned yet makes a new payment, and the key then names that one', async () => {
    await gw.close()
    // 0.0005 h = 1.8 s; retention runs at start and then every ten minutes, so the expired key is
    // still stored when it is used again (the push itself lets it go).
    gw = await startTestGateway({ env: { MPG_IDEMPOTENCY_KEY_TTL_H: '0.0005' } })
    const first = await push(stkBody({ reference: 'ORDER-13' }), 'order-13')
    expect(first.status).toBe(201)
    const firstId = ((await first.json()) as { transaction_id: string }).transaction_id
    const [account] = await gw.context.store.listAccounts()
    const scope = `${account.id}:test:order-13`
    expect(await gw.context.store.getIdempotency(scope)).toMatchObject({ state: 'done', transaction_id: firstId })
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    // A different body too: an expired key holds nothing against it.
    const again = await push(stkBody({ reference: 'ORDER-13', amount: 250 }), 'order-13')
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBeNull()
    const secondId = ((await again.json()) as { transaction_id: string }).transaction_id
    expect(secondId).not.toBe(firstId)
    // The key now belongs to the new payment (a replay of it is the tests above; here the key's
    // short life could run out again on a slow machine).
    expect(await gw.context.store.getIdempotency(scope)).toMatchObject({ state: 'done', transaction_id: secondId })
    expect(pushCount()).toBe(2)
  })

  it('rejects an unprintable or oversize key', async () => {
    expect((await push(stkBody(), 'x'.repeat(256))).status).toBe(400)
    expect((await push(stkBody(), 'has space')).status).toBe(400)
  })
})

describe('Daraja down or refusing → 502 with Daraja\'s code and message', () => {
  it('OAuth failing', async () => {
    gw.emulator!.setFault({ kind: 'error', endpoint: 'oauth', status: 400, errorCode: '400.008.01', errorMessage: 'Invalid Authentication passed' })
    const res = await push(stkBody())
    expect(res.status).toBe(502)
    const body = (await res.json()) as any
    expect(body.detail).toContain('400.008.01')
    expect(body.detail).toContain('Invalid Authentication passed')
  })

  it('STK push answering 500s, then recovering', async () => {
    const fault = gw.emulator!.setFault({ kind: 'error', endpoint: 'stk_push', status: 500, errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation' })
    const res = await push(stkBody())
    expect(res.status).toBe(502)
    expect(((await res.json()) as any).detail).toBe('500.003.02: Error Occurred: Spike Arrest Violation')
    gw.emulator!.clearFaults(fault.id)
    expect((await push(stkBody())).status).toBe(201)
  })

  it('Daraja unreachable', async () => {
    await gw.emulator!.close()
    const res = await push(stkBody())
    expect(res.status).toBe(502)
    expect(((await res.json()) as any).hint).toMatch(/did not answer|retry/i)
  })

  it('an expired token is refreshed once and the push goes through', async () => {
    expect((await push(stkBody())).status).toBe(201)
    gw.emulator!.setFault({ kind: 'error', endpoint: 'stk_push', status: 404, errorCode: '404.001.03', errorMessage: 'Invalid Access Token', count: 1 })
    expect((await push(stkBody())).status).toBe(201)
    const oauthCalls = gw.emulator!.requests().filter((r) => r.endpoint === 'oauth').length
    expect(oauthCalls).toBe(2)
  })

  it('concurrent pushes share one token fetch', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => push(stkBody({ reference: `C-${i}` }))))
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201))
    expect(gw.emulator!.requests().filter((r) => r.endpoint === 'oauth')).toHaveLength(1)
  })
})

describe('PUBLIC_SITE_URL', () => {
  it('a gateway built without it outside emulator mode answers 500 in the seed shape', async () => {
    const sandbox = await startTestGateway({
      env: {
        DARAJA_ENV: 'sandbox',
        DARAJA_BASE_URL: gw.emulator!.url,
        DARAJA_CONSUMER_KEY: gw.emulator!.credentials.consumerKey,
        DARAJA_CONSUMER_SECRET: gw.emulator!.credentials.consumerSecret,
        DARAJA_SHORTCODE: '174379',
        DARAJA_PASSKEY: gw.emulator!.credentials.passkey,
      },
    })
    try {
      const res = await sandbox.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })
      expect(res.status).toBe(500)
      const body = (await res.json()) as any
      expect(body.error).toMatch(/PUBLIC_SITE_URL/)
      expect(Object.keys(body).sort()).toEqual(['detail', 'error', 'hint'])
    } finally {
      await sandbox.close()
    }
  })
})
