import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { ACK_WAITS_FOR_RESULT_MS } from '../../src/core/b2c-acks.js'
import { journalText } from '../helpers/store-file.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

/**
 * Daraja's ack of a payment's first B2C is stored with the B2C's result when that comes within
 * ACK_WAITS_FOR_RESULT_MS (one write for both), else on its own then, and at the latest when the
 * gateway stops. Real gateway, real emulator on loopback.
 */

const gateways: TestGateway[] = []
const dirs = new Set<string>()
let emulator: RunningEmulator | undefined
afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  await emulator?.close()
  emulator = undefined
  for (const dir of dirs) removeDir(dir)
  dirs.clear()
})

async function start(dataDir?: string) {
  emulator ??= await startEmulator({ callbackDelayMs: 30 })
  const g = await startTestGateway({ env: { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: emulator.url, MPG_PAYOUT_STATUS_AFTER_S: '0.3' }, dataDir })
  gateways.push(g)
  dirs.add(g.dataDir)
  return g
}

async function pay(g: TestGateway): Promise<string> {
  const res = await g.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ amount: 1000 }) })
  expect(res.status).toBe(201)
  return ((await res.json()) as { transaction_id: string }).transaction_id
}

const payoutOf = async (g: TestGateway, id: string) => (await g.context.store.getTransaction(id))?.payout
const b2cCalls = (em: RunningEmulator) => em.requests().filter((r) => r.endpoint === 'b2c_v3')
const statusCalls = (em: RunningEmulator) => em.requests().filter((r) => r.endpoint === 'transaction_status')
const conversationIdOf = (em: RunningEmulator) => (b2cCalls(em)[0].response.body as { ConversationID: string }).ConversationID

/** The journal's lines that change this transaction (`{"c":"transactions","k":id,"p":{…}}`), in order. */
function changesOf(g: TestGateway, id: string): Array<Record<string, unknown>> {
  return journalText(join(g.dataDir, 'gateway.journal'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { c?: string; k?: string; p?: Record<string, unknown> })
    .filter((entry) => entry.c === 'transactions' && entry.k === id)
    .map((entry) => entry.p!)
}

describe("a B2C's ack is stored with its result when that comes soon", () => {
  it('a prompt result: one write records the ack (ConversationID, attempt) and the outcome, with one payout.success', async () => {
    const g = await start()
    const id = await pay(g)
    const t = await waitFor(async () => ((await payoutOf(g, id))?.status === 'success' ? g.context.store.getTransaction(id) : undefined), { what: 'the payout' })
    expect(t.payout).toMatchObject({ status: 'success', result_code: '0', conversation_id: conversationIdOf(emulator!), attempts: 1, status_due_at: null })
    // Daraja's answer to the push, the payment's final state, the payout's: no write of its own for the ack.
    const changes = changesOf(g, id)
    expect(changes).toHaveLength(3)
    expect(changes[2].payout).toMatchObject({ status: 'success', conversation_id: conversationIdOf(emulator!), attempts: 1 })
    const events = (await g.context.store.listEventsAfter(t.account_id, 'test', 0, 100)).filter((e) => e.data.transaction_id === id).map((e) => e.event)
    expect(events).toEqual(['payment.success', 'payout.success'])
    expect(b2cCalls(emulator!)).toHaveLength(1)
  })

  it('a late result: the ack is stored alone once the wait is over (its status check scheduled from then), and the result settles it later', async () => {
    const g = await start()
    emulator!.setScenario({ product: 'b2c', next: true, delay_ms: ACK_WAITS_FOR_RESULT_MS + 1500 })
    const id = await pay(g)
    const b2c = await waitFor(() => b2cCalls(emulator!)[0], { what: 'the B2C' })
    // When Daraja answered (the gateway had the ack no earlier), not when this poll saw it: a poll
    // held up on a loaded machine would shorten the wait measured from it.
    const acked = Date.parse(b2c.at) + b2c.duration_ms
    const taken = await waitFor(async () => ((await payoutOf(g, id))?.conversation_id ? payoutOf(g, id) : undefined), { what: 'the ack to be stored' })
    expect(Date.now() - acked).toBeGreaterThanOrEqual(ACK_WAITS_FOR_RESULT_MS - 100)
    expect(taken).toMatchObject({ status: 'pending', conversation_id: conversationIdOf(emulator!), attempts: 1 })
    expect(Date.parse(taken!.status_due_at!) - Date.parse(taken!.updated_at)).toBe(300)
    const done = await waitFor(async () => ((await payoutOf(g, id))?.status === 'success' ? payoutOf(g, id) : undefined), { timeoutMs: 20_000, what: 'the payout' })
    expect(done).toMatchObject({ conversation_id: conversationIdOf(emulator!), attempts: 1 })
    expect(b2cCalls(emulator!)).toHaveLength(1)
  })

  it('stopping stores the acks still waiting: after the restart the payout is asked about (Transaction Status), never sent again', async () => {
    const g = await start()
    emulator!.setScenario({ product: 'b2c', next: true, delay_ms: 4000 })
    const id = await pay(g)
    await waitFor(() => b2cCalls(emulator!)[0], { what: 'the B2C' })
    // Answered by Daraja, not stored yet: the stop stores it.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await payoutOf(g, id))?.conversation_id).toBeNull()
    await g.close()
    gateways.splice(gateways.indexOf(g), 1)

    const again = await start(g.dataDir)
    // Taken, so asked about (its result, held 4 s by the emulator, went to the stopped gateway).
    await waitFor(() => statusCalls(emulator!)[0], { what: 'a Transaction Status query' })
    expect(await payoutOf(again, id)).toMatchObject({ conversation_id: conversationIdOf(emulator!), attempts: 1 })
    expect(b2cCalls(emulator!)).toHaveLength(1)
    expect(statusCalls(emulator!).length).toBeGreaterThanOrEqual(1)
  })
})
