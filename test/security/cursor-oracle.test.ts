import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createAccountWithKey } from '../webhooks/helpers.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway
beforeEach(async () => {
  gw = await startTestGateway()
})
afterEach(async () => {
  await gw.close()
  removeDir(gw.dataDir)
})

const answer = async (res: Response) => ({ status: res.status, body: await res.json() })

describe('starting_after is no cross-tenant oracle', () => {
  it("another account's transaction id answers exactly like an id that does not exist", async () => {
    const a = await createAccountWithKey(gw, 'Tenant A', { type: 'mpesa', phone: '254708374149' })
    const b = await createAccountWithKey(gw, 'Tenant B', { type: 'mpesa', phone: '254708374149' })
    // B's own transactions are older than A's, so paging "after" A's id would list them.
    for (let i = 0; i < 2; i++) expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: `B-${i}` }), auth: b.key })).status).toBe(201)
    const theirs = (await (await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference: 'A-1' }), auth: a.key })).json()) as { transaction_id: string }

    const foreign = await answer(await gw.api(`/api/v1/transactions?starting_after=${theirs.transaction_id}`, { auth: b.key }))
    const unknown = await answer(await gw.api(`/api/v1/transactions?starting_after=${randomUUID()}`, { auth: b.key }))
    expect(foreign).toEqual(unknown)
    expect(foreign.status).toBe(400)
    expect(foreign.body).toMatchObject({ error: expect.any(String), hint: expect.any(String), detail: expect.any(String) })
    // The owner pages with it as usual.
    expect((await gw.api(`/api/v1/transactions?starting_after=${theirs.transaction_id}`, { auth: a.key })).status).toBe(200)
  })

  it('also with status and limit in the query (same answer)', async () => {
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody() })).status).toBe(201)
    const a = await createAccountWithKey(gw, 'Tenant A', { type: 'mpesa', phone: '254708374149' })
    const theirs = (await (await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(), auth: a.key })).json()) as { transaction_id: string }
    const foreign = await answer(await gw.api(`/api/v1/transactions?starting_after=${theirs.transaction_id}&limit=5&status=pending`))
    const unknown = await answer(await gw.api(`/api/v1/transactions?starting_after=${randomUUID()}&limit=5&status=pending`))
    expect(foreign).toEqual(unknown)
  })
})
