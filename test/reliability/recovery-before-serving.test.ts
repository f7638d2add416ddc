import { connect } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import type { IdempotencyRecord } from '../../src/store/records.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { freePort } from '../helpers/free-port.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { testStore } from '../helpers/store-env.js'
import { tempDir } from '../helpers/temp-dir.js'

let emulator: RunningEmulator | undefined
const gateways: TestGateway[] = []

afterEach(async () => {
  for (const g of gateways.splice(0)) await g.close()
  await emulator?.close()
  emulator = undefined
})

const REFUSAL = { status: 400, errorCode: '400.002.02', errorMessage: 'Bad Request - Invalid PhoneNumber' }

/** Whether something listens on this loopback port right now. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

// Start-up recovery settles the Idempotency-Keys a crash left in flight on the embedded store, all
// of them: none can belong to a request this process serves only while it serves none yet.
describe.skipIf(testStore === 'postgres')('start-up recovery of Idempotency-Keys on the embedded store', () => {
  it('a push that arrives while the gateway starts keeps its key its own: refused, its key is released and the retry is a new attempt', async () => {
    emulator = await startEmulator({ callbackDelayMs: 30 })
    const dataDir = tempDir('mpg-recovery-')
    const port = await freePort()
    const env = { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: emulator.url, PORT: String(port) }
    const boot = await startTestGateway({ env, dataDir })
    const key = boot.key
    await boot.close()

    // The restart, on a store the test watches: the push below has its key claimed, then recovery
    // (if it runs now) reads its payment and stores the key's outcome only once the push has been
    // refused and has released its key. Where recovery runs before the gateway serves, none of this
    // happens: it finds no key, and the push comes after it.
    const store = new LowdbStore(join(dataDir, 'gateway.json'), { deliverTo: deliversTo })
    let claimed: () => void = () => undefined
    const pushClaimed = new Promise<void>((resolve) => (claimed = resolve))
    let released: () => void = () => undefined
    const pushReleased = new Promise<void>((resolve) => (released = resolve))
    const list = store.listInFlightIdempotency.bind(store)
    // Recovery runs while the gateway already serves: held until the push has its key claimed.
    store.listInFlightIdempotency = async () => {
      if (await listening(port)) await pushClaimed
      return list()
    }
    const insert = store.insertTransaction.bind(store)
    store.insertTransaction = async (...args) => {
      const out = await insert(...args)
      claimed()
      return out
    }
    const remove = store.deleteIdempotency.bind(store)
    store.deleteIdempotency = async (scope) => {
      await remove(scope)
      released()
    }
    const save = store.saveIdempotency.bind(store)
    store.saveIdempotency = async (record: IdempotencyRecord) => {
      // Recovery's outcome for a key in flight (the push's own outcome is by reference, response null).
      if (record.response !== null) await pushReleased
      return save(record)
    }
    // Daraja thinks a while, then refuses: the payment is still pending when recovery reads it.
    emulator.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 1000, count: 1 })
    emulator.setFault({ kind: 'error', endpoint: 'stk_push', ...REFUSAL, count: 1 })

    const starting = startTestGateway({ env, dataDir, store })
    const url = `http://127.0.0.1:${port}`
    const body = JSON.stringify(stkBody({ reference: 'STARTUP-1' }))
    const push = () => fetch(`${url}/api/v1/stk-push`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': 'startup-1' }, body })
    // The client pushes as soon as the gateway accepts connections.
    const first = await waitFor(() => push().catch(() => undefined), { intervalMs: 5, what: 'the gateway to take the push' })
    const gw = await starting
    gateways.push(gw)
    expect(first.status, await first.clone().text()).toBe(502)

    // Daraja refused it, so the key is free: the retry is a new attempt, not a replay of the refused payment.
    const retry = await push()
    expect(retry.status, await retry.clone().text()).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
    expect(emulator.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(2)
  })
})
