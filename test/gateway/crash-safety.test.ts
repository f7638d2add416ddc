import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js'
import { stkBody, waitFor } from '../helpers/gateway.js'
import { readStore } from '../helpers/store-file.js'
import { tempDir } from '../helpers/temp-dir.js'

let emulator: RunningEmulator | undefined
const servers: ServeProcess[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) s.child.kill('SIGKILL')
  await emulator?.close()
})

describe('crash safety', () => {
  it('kill -9 with pushes in flight: every 201 survives, the file parses, pending ones are reconciled after restart', async () => {
    // Daraja lives outside the gateway so it remembers the payments across the crash.
    emulator = await startEmulator({ callbackDelayMs: 2000 })
    emulator.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 150 })
    const dataDir = tempDir('mpg-crash-')
    const env = { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: emulator.url, MPG_DATA_DIR: dataDir, MPG_RECONCILE_AFTER_S: '0.5' }
    const first = await spawnServe([], env)
    servers.push(first)
    const key = first.ready.key!

    const acknowledged: string[] = []
    const pushes = Array.from({ length: 60 }, (_, i) =>
      fetch(`${first.ready.url}/api/v1/stk-push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(stkBody({ reference: `CRASH-${i}` })),
      })
        .then(async (res) => {
          if (res.status === 201) acknowledged.push(((await res.json()) as { transaction_id: string }).transaction_id)
        })
        .catch(() => undefined),
    )
    await waitFor(() => acknowledged.length >= 10, { timeoutMs: 15_000, what: 'some 201s' })
    first.child.kill('SIGKILL')
    await Promise.all(pushes)
    await first.exited
    expect(acknowledged.length).toBeGreaterThanOrEqual(10)

    const file = await readStore(dataDir)
    const stored = new Set(file.transactions.map((t) => t.id))
    for (const id of acknowledged) expect(stored.has(id), `acknowledged ${id} is stored`).toBe(true)

    // Restart on the same data dir: the payments Daraja accepted get settled by STK Query.
    emulator.clearFaults()
    const second = await spawnServe([], env)
    servers.push(second)
    expect(second.ready.key).toBeUndefined()
    await waitFor(
      async () => {
        const statuses = await Promise.all(
          acknowledged.map(async (id) => {
            const res = await fetch(`${second.ready.url}/api/v1/transactions/${id}`, { headers: { authorization: `Bearer ${key}` } })
            return ((await res.json()) as { transaction: { status: string } }).transaction.status
          }),
        )
        return statuses.every((s) => s === 'success')
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'acknowledged payments to be reconciled to success' },
    )
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    const after = await readStore(dataDir)
    expect(new Set(after.transactions.map((t) => t.id)).size).toBe(after.transactions.length)
    for (const id of acknowledged) {
      expect(after.events.filter((e) => e.data.transaction_id === id && e.event.startsWith('payment.'))).toHaveLength(1)
    }
  }, 60_000)
})
