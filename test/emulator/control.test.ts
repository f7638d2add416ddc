import { describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { basic, bearer, getToken, http, queryBody, stkBody } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

let em: RunningEmulator
let receiver: CallbackReceiver
emulatorPerTest({ callbackDelayMs: 10, token: false }, (rig) => ({ em, receiver } = rig))

const control = (method: string, path: string, body?: unknown) => http(method, `${em.url}/__emulator/${path}`, { body })
async function push(phone: string, token?: string) {
  return http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, {
    headers: bearer(token ?? (await getToken(em))),
    body: stkBody(em, phone, `${receiver.url}/cb`),
  })
}

describe('control API', () => {
  it('health reports ok and the credentials', async () => {
    const res = await control('GET', 'health')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      status: 'ok',
      profile: 'fast',
      credentials: {
        consumer_key: em.credentials.consumerKey,
        consumer_secret: em.credentials.consumerSecret,
        shortcode: '174379',
        passkey: 'bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919',
        b2c_shortcode: '600997',
        initiator_name: 'testapi',
        security_credential: em.credentials.securityCredential,
      },
    })
  })

  it('journals every Daraja call (not control calls) with status and bodies', async () => {
    const res = await push('254711000001')
    await http('GET', `${em.url}/nope`)
    const journal = (await control('GET', 'requests')).body.requests
    expect(journal.map((r: any) => [r.method, r.endpoint, r.status])).toEqual([
      ['GET', 'oauth', 200],
      ['POST', 'stk_push', 200],
      ['GET', null, 404],
    ])
    expect(journal[0].path).toBe('/oauth/v1/generate?grant_type=client_credentials')
    expect(journal[1].request.body.PhoneNumber).toBe('254711000001')
    expect(journal[1].response.body.CheckoutRequestID).toBe(res.body.CheckoutRequestID)
    expect(em.requests()).toHaveLength(3)
  })

  it('reset forgets transactions, journals, scenarios and faults, and cancels pending callbacks', async () => {
    const token = await getToken(em)
    // Still waiting when the reset comes, however slow the machine.
    em.setScenario({ phone: '254711000009', delay_ms: 2000 })
    const pending = await push('254711000009', token)
    em.setScenario({ phone: '254711000010', outcome: 'cancelled' })
    em.setFault({ kind: 'latency', endpoint: 'any', ms: 1 })
    expect((await control('POST', 'reset')).body).toEqual({ reset: true })

    // settle() waits for every scheduled callback: one that survived the reset would arrive first.
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
    expect(em.requests()).toHaveLength(0)
    expect((await control('GET', 'scenarios')).body.scenarios).toEqual([])
    expect((await control('GET', 'faults')).body.faults).toEqual([])
    const q = await http('POST', `${em.url}/mpesa/stkpushquery/v1/query`, { headers: bearer(token), body: queryBody(em, pending.body.CheckoutRequestID) })
    expect(q.body.errorMessage).toBe('The transaction does not Exist')
    // The scenario is gone: the number succeeds again. The old token still works.
    await push('254711000010', token)
    const [cb] = await receiver.waitFor(1)
    expect((cb.json as any).Body.stkCallback.ResultCode).toBe(0)
  })

  it('two instances in one process share nothing', async () => {
    const other = await startEmulator()
    try {
      other.setScenario({ phone: '254711000011', outcome: 'cancelled' })
      await push('254711000011')
      const [cb] = await receiver.waitFor(1)
      expect((cb.json as any).Body.stkCallback.ResultCode).toBe(0)
      const token = await getToken(em)
      const res = await http('POST', `${other.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(other, '254711000011', `${receiver.url}/cb`) })
      // A token of the first instance means nothing to the second.
      expect(res.status).toBe(404)
      expect(res.body).toMatchObject({ errorCode: '404.001.03', errorMessage: 'Invalid Access Token' })
      expect(other.requests()).toHaveLength(1)
    } finally {
      await other.close()
    }
  })

  it('close() is idempotent and stops the server', async () => {
    // (Start-up time is measured in bench/, not bounded here.)
    const fresh = await startEmulator()
    expect((await http('GET', `${fresh.url}/__emulator/health`)).status).toBe(200)
    await Promise.all([fresh.close(), fresh.close()])
    await fresh.close()
    await expect(http('GET', `${fresh.url}/__emulator/health`)).rejects.toThrow()
  })
})

describe('scenarios', () => {
  it('a phone scenario sets the result code and applies to every push for that number', async () => {
    const res = await control('POST', 'scenarios', { phone: '254711000020', result_code: 1037 })
    expect(res.status).toBe(201)
    expect(res.body.scenario).toMatchObject({ product: 'stk', phone: '254711000020', result_code: 1037, result_desc: 'No response from user.', callback: 'once', hold: false })
    await push('254711000020')
    await push('254711000020')
    const cbs = await receiver.waitFor(2)
    expect(cbs.map((c) => (c.json as any).Body.stkCallback.ResultCode)).toEqual([1037, 1037])
  })

  it('a "next" scenario applies to the next push only', async () => {
    await control('POST', 'scenarios', { next: true, outcome: 'cancelled', delay_ms: 0 })
    await push('254711000021')
    await push('254711000022')
    const cbs = await receiver.waitFor(2)
    const byPhone = Object.fromEntries(cbs.map((c) => [(c.json as any).Body.stkCallback.CheckoutRequestID.slice(-9), (c.json as any).Body.stkCallback.ResultCode]))
    expect(byPhone).toEqual({ '711000021': 1032, '711000022': 0 })
  })

  it('named outcomes work for any phone (held, sync error)', async () => {
    em.setScenario({ phone: '254711000023', outcome: 'subscriber_locked' })
    const locked = await push('254711000023')
    expect(locked.status).toBe(500)
    em.setScenario({ next: true, outcome: 'held' })
    const held = await push('254711000024')
    expect(em.transaction(held.body.CheckoutRequestID)?.status).toBe('held')
  })

  it('a delay applies to the callback', async () => {
    em.setScenario({ phone: '254711000025', delay_ms: 250 })
    const started = Date.now()
    await push('254711000025')
    const [cb] = await receiver.waitFor(1)
    expect(cb.receivedAt - started).toBeGreaterThanOrEqual(240)
  })

  const badInputs: Array<[string, unknown, RegExp]> = [
    ['neither phone nor next', { outcome: 'cancelled' }, /exactly one of "phone"/],
    ['both phone and next', { phone: '254711000001', next: true }, /exactly one of "phone"/],
    ['a bad phone', { phone: '0711000001', outcome: 'cancelled' }, /phone/],
    ['an unknown outcome', { phone: '254711000001', outcome: 'exploded' }, /unknown outcome "exploded"/],
    ['a fractional result code', { next: true, result_code: 1.5 }, /result_code/],
    ['an unknown key', { next: true, colour: 'red' }, /colour|Unrecognized/i],
  ]
  for (const [what, body, message] of badInputs) {
    it(`400 with a clear error for ${what}`, async () => {
      const res = await control('POST', 'scenarios', body)
      expect(res.status).toBe(400)
      expect(res.body.error).toMatch(message)
      expect(res.body.hint).toBeTruthy()
    })
  }

  it('400 for a body that is not JSON', async () => {
    const res = await http('POST', `${em.url}/__emulator/scenarios`, { raw: '{oops', headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('the body must be a JSON object')
  })

  it('404/405 JSON errors for unknown control paths and methods', async () => {
    expect((await control('GET', 'nope')).status).toBe(404)
    const res = await control('GET', 'reset')
    expect(res.status).toBe(405)
    expect(res.body.hint).toBe('Use POST.')
  })
})

describe('resolve', () => {
  it('404 for an unknown id, 400 for a bad body', async () => {
    const unknown = await control('POST', 'stk/ws_CO_nope/resolve', { result_code: 0 })
    expect(unknown.status).toBe(404)
    expect(unknown.body.error).toMatch(/no STK transaction ws_CO_nope/)
    const held = await push('254700000008')
    const bad = await control('POST', `stk/${held.body.CheckoutRequestID}/resolve`, { result_code: 'zero' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/result_code/)
  })

  it('409 for a prompt that is not held', async () => {
    const res = await push('254711000030')
    const out = await control('POST', `stk/${res.body.CheckoutRequestID}/resolve`, { result_code: 0 })
    expect(out.status).toBe(409)
  })

  it('GET stk/<id> shows the state', async () => {
    const res = await push('254700000008')
    const view = await control('GET', `stk/${res.body.CheckoutRequestID}`)
    expect(view.body.transaction).toMatchObject({ status: 'held', phone: '254700000008', amount: 1, outcome: 'held', result_code: null })
  })
})

describe('faults', () => {
  it('fails OAuth with a given error until cleared', async () => {
    const res = await control('POST', 'faults', { kind: 'error', endpoint: 'oauth', status: 400, errorCode: '400.008.01', errorMessage: 'Invalid Authentication passed' })
    expect(res.status).toBe(201)
    const id = res.body.fault.id
    const auth = { authorization: basic(em.credentials.consumerKey, em.credentials.consumerSecret) }
    for (let i = 0; i < 3; i++) {
      const r = await http('GET', `${em.url}/oauth/v1/generate?grant_type=client_credentials`, { headers: auth })
      expect(r.status).toBe(400)
      expect(r.body.errorCode).toBe('400.008.01')
    }
    expect((await control('DELETE', `faults/${id}`)).status).toBe(200)
    expect((await control('DELETE', `faults/${id}`)).status).toBe(404)
    expect((await http('GET', `${em.url}/oauth/v1/generate?grant_type=client_credentials`, { headers: auth })).status).toBe(200)
  })

  it('makes an endpoint answer a Daraja error for N requests', async () => {
    const token = await getToken(em)
    em.setFault({ kind: 'error', endpoint: 'stk_push', status: 500, errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation', count: 2 })
    const a = await push('254711000040', token)
    const b = await push('254711000040', token)
    const c = await push('254711000040', token)
    expect([a.status, b.status, c.status]).toEqual([500, 500, 200])
    expect(a.body).toMatchObject({ errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation' })
    expect(em.requests().filter((r) => r.endpoint === 'stk_push').map((r) => r.status)).toEqual([500, 500, 200])
  })

  it('adds latency to the next N requests of its endpoint only', async () => {
    const token = await getToken(em)
    em.setFault({ kind: 'latency', endpoint: 'oauth', ms: 200, count: 1 })
    await push('254711000041', token)
    expect((await control('GET', 'faults')).body.faults).toHaveLength(1)
    await getToken(em)
    // Used up by the one oauth call (a timer never fires early, so the held call took ≥ 200 ms).
    expect((await control('GET', 'faults')).body.faults).toEqual([])
    const oauth = em.requests().filter((r) => r.endpoint === 'oauth')
    expect(oauth.at(-1)!.duration_ms).toBeGreaterThanOrEqual(199)
  })

  it('drops a callback (journaled as dropped) and duplicates the next', async () => {
    em.setFault({ kind: 'callback', action: 'drop', count: 1 })
    const dropped = await push('254711000050')
    await em.settle()
    expect(receiver.received()).toHaveLength(0)
    expect(em.callbacks()).toMatchObject([{ transaction_id: dropped.body.CheckoutRequestID, dropped: true, response: null }])

    em.setFault({ kind: 'callback', action: 'duplicate', count: 1 })
    await push('254711000051')
    await receiver.waitFor(2)
    await push('254711000052')
    await receiver.waitFor(3)
    await em.settle()
    expect(receiver.received()).toHaveLength(3)
  })

  it('400 for bad fault input, and DELETE faults clears all', async () => {
    const bad = await control('POST', 'faults', { kind: 'error', endpoint: 'everything' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatch(/endpoint/)
    expect((await control('POST', 'faults', { kind: 'meltdown' })).status).toBe(400)
    em.setFault({ kind: 'error', endpoint: 'any' })
    expect((await control('GET', 'faults')).body.faults).toHaveLength(1)
    await control('DELETE', 'faults')
    expect((await control('GET', 'faults')).body.faults).toEqual([])
  })
})

describe('concurrency', () => {
  it('50 concurrent pushes to one number get unique ids and exactly one callback each', async () => {
    const token = await getToken(em)
    const results = await Promise.all(Array.from({ length: 50 }, () => push('254708374149', token)))
    expect(results.every((r) => r.status === 200)).toBe(true)
    const ids = results.map((r) => r.body.CheckoutRequestID)
    expect(new Set(ids).size).toBe(50)
    expect(new Set(results.map((r) => r.body.MerchantRequestID)).size).toBe(50)
    for (const id of ids) expect(id).toMatch(/^ws_CO_\d{14}\d{1,4}708374149$/)
    await receiver.waitFor(50)
    // Every callback sent has been answered by now: a 51st would be in received().
    await em.settle()
    const received = receiver.received().map((r) => (r.json as any).Body.stkCallback)
    expect(received).toHaveLength(50)
    expect(new Set(received.map((c) => c.CheckoutRequestID))).toEqual(new Set(ids))
    const receipts = received.map((c) => c.CallbackMetadata.Item[1].Value)
    expect(new Set(receipts).size).toBe(50)
  })
})

describe('removing one scenario', () => {
  it('DELETE /__emulator/scenarios/<id> removes just that one; an unknown id is a 404', async () => {
    const em = await startEmulator()
    try {
      const add = (body: unknown) =>
        fetch(`${em.url}/__emulator/scenarios`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
          (r) => r.json() as Promise<{ scenario: { id: string } }>,
        )
      const keep = await add({ phone: '254712345678', outcome: 'cancelled' })
      const drop = await add({ product: 'b2c', next: true, result_code: 1 })
      const removed = await fetch(`${em.url}/__emulator/scenarios/${drop.scenario.id}`, { method: 'DELETE' })
      expect(removed.status).toBe(200)
      expect(await removed.json()).toEqual({ removed: drop.scenario.id })
      const list = (await (await fetch(`${em.url}/__emulator/scenarios`)).json()) as { scenarios: Array<{ id: string }> }
      expect(list.scenarios.map((s) => s.id)).toEqual([keep.scenario.id])
      const again = await fetch(`${em.url}/__emulator/scenarios/${drop.scenario.id}`, { method: 'DELETE' })
      expect(again.status).toBe(404)
    } finally {
      await em.close()
    }
  })
})

describe('malformed paths', () => {
  it('answer in Daraja’s envelope under Daraja paths and in the control shape under /__emulator/', async () => {
    const em = await startEmulator()
    try {
      const daraja = await fetch(`${em.url}/mpesa/%E0%A4%A`)
      expect(daraja.status).toBe(404)
      expect(await daraja.json()).toMatchObject({ errorCode: '404.001.01', errorMessage: 'Resource not found', requestId: expect.any(String) })
      const control = await fetch(`${em.url}/__emulator/%E0%A4%A`)
      expect(control.status).toBe(404)
      expect(await control.json()).toMatchObject({ error: expect.any(String), hint: expect.any(String) })
      // A malformed escape in a control route's parameter is a bad id, not a failure of the emulator.
      const param = await fetch(`${em.url}/__emulator/stk/%E0%A4%A`)
      expect(param.status).toBe(400)
      expect(await param.json()).toMatchObject({ error: expect.stringContaining('%E0%A4%A'), hint: expect.any(String) })
    } finally {
      await em.close()
    }
  })
})
