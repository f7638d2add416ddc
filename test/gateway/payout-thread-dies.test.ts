import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { createDarajaClient } from '../../src/daraja/client.js'
import { startSendingThread, type SendingThread } from '../../src/webhooks/send-off-thread.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'

/**
 * A gateway whose sending thread dies with a payout's B2C on it, after Daraja took the B2C: the
 * payout takes the path of a B2C that timed out (unknown outcome, `uncertain`, its next attempt
 * scheduled, never sent again at once from the event loop), and Daraja's result settles it. Real
 * gateway, real emulator on loopback, B2C requests counted at the emulator.
 */

let gw: TestGateway | undefined
let emulator: RunningEmulator | undefined
let thread: SendingThread | undefined
afterEach(async () => {
  await gw?.close()
  if (gw) removeDir(gw.dataDir)
  await thread?.close()
  await emulator?.close()
  gw = undefined
  thread = undefined
  emulator = undefined
})

describe('the sending thread dies with a B2C in flight', () => {
  it('the payout is uncertain with its retry scheduled, Daraja got one B2C, and its result pays it once', async () => {
    emulator = await startEmulator({ callbackDelayMs: 30 })
    // A retry far in the future: a second B2C during the test could only be a re-send at once.
    gw = await startTestGateway({ env: { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: emulator.url, MPG_PAYOUT_RETRY_DELAYS_MS: '60000' } })
    const { config } = gw
    // The gateway's Daraja client, on a thread that makes every exchange and dies once a B2C it sent is answered.
    thread = startSendingThread(new URL('../fixtures/threads/dies-after-b2c.mjs', import.meta.url))
    const handed: string[] = []
    const dying = thread
    gw.context.daraja = createDarajaClient({
      baseUrl: emulator.url,
      consumerKey: emulator.credentials.consumerKey,
      consumerSecret: emulator.credentials.consumerSecret,
      shortcode: config.shortcode,
      passkey: config.passkey!,
      transactionType: config.transactionType,
      partyB: config.partyB,
      b2cShortcode: emulator.credentials.b2cShortcode,
      initiatorName: emulator.credentials.initiatorName,
      securityCredential: emulator.credentials.securityCredential,
      timeoutMs: config.darajaTimeoutMs,
      thread: { usable: () => dying.usable(), exchange: (req) => (handed.push(new URL(req.url).pathname), dying.exchange(req)) },
    })
    await waitFor(() => dying.usable(), { what: 'the thread to load' })
    // The result comes late, so the payout is seen between the thread's death and the result.
    emulator.setScenario({ product: 'b2c', next: true, delay_ms: 1500 })

    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ amount: 1000 }) })
    expect(res.status).toBe(201)
    const { transaction_id: id } = (await res.json()) as { transaction_id: string }
    const uncertain = await waitFor(async () => {
      const t = await gw!.context.store.getTransaction(id)
      return t?.payout?.uncertain ? t : undefined
    }, { what: 'the payout to be marked uncertain' })
    expect(dying.alive).toBe(false)
    expect(handed).toEqual(['/oauth/v1/generate', '/mpesa/stkpush/v1/processrequest', '/mpesa/b2c/v3/paymentrequest'])
    expect(uncertain.payout).toMatchObject({ status: 'pending', attempts: 1, conversation_id: null })
    // The 60 s delay with the schedule's ±25% jitter: 45-75 s ahead, less the moments since (not at once).
    expect(Date.parse(uncertain.payout!.next_attempt_at!) - Date.now()).toBeGreaterThan(40_000)
    expect(gw.logs.filter((l) => l.event === 'payout.retry_later')).toHaveLength(1)
    const b2c = () => emulator!.requests().filter((r) => r.endpoint === 'b2c_v3')
    expect(b2c().map((c) => c.status)).toEqual([200])

    const paid = await waitFor(async () => {
      const t = await gw!.context.store.getTransaction(id)
      return t?.payout?.status === 'success' ? t : undefined
    }, { what: 'the B2C result to pay the payout' })
    expect(paid.payout!.mpesa_receipt).toBeTruthy()
    expect(b2c()).toHaveLength(1)
    const events = await gw.context.store.listEventsAfter(paid.account_id, 'test', 0, 1000)
    expect(events.filter((e) => e.event.startsWith('payout.') && e.data.transaction_id === id).map((e) => e.event)).toEqual(['payout.success'])
  })
})
