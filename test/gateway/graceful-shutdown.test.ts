import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { stkBody, waitFor } from '../helpers/gateway.js'
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js'
import { readStore } from '../helpers/store-file.js'

let emulator: RunningEmulator | undefined
let serve: ServeProcess | undefined
let dataDir: string | undefined
afterEach(async () => {
  serve?.child.kill('SIGKILL')
  await serve?.exited
  await emulator?.close()
  if (dataDir) rmSync(dataDir, { recursive: true, force: true })
})

describe('graceful shutdown', () => {
  it('SIGTERM with a push waiting on Daraja: the push still gets its 201, then the process exits 0 with it stored', async () => {
    emulator = await startEmulator({ callbackDelayMs: 60_000 })
    // Held 2 s at Daraja: the stop and the refused connection are seen within that on a loaded
    // machine too (800 ms left too little), and the answer still comes inside the 5 s grace.
    emulator.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 2000, count: 1 })
    dataDir = mkdtempSync(join(tmpdir(), 'mpg-graceful-'))
    serve = await spawnServe(['--data-dir', dataDir], { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: emulator.url })
    const { url, key } = serve.ready
    const pending = fetch(`${url}/api/v1/stk-push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(stkBody()),
    })
    // Signal once the push is at Daraja (held there by the latency fault).
    await waitFor(() => emulator!.requests().some((r) => r.endpoint === 'oauth'), { what: 'the push to reach Daraja' })
    serve.child.kill('SIGTERM')
    let answered = false
    void pending.then(() => (answered = true))
    // While the push is still held at Daraja, a new connection is refused: the server stopped accepting.
    await waitFor(async () => !(await accepts(url)), { what: 'new connections to be refused' })
    expect(answered).toBe(false)
    const res = await pending
    expect(res.status).toBe(201)
    const { transaction_id } = (await res.json()) as { transaction_id: string }
    expect(await serve.exited).toBe(0)
    const stored = await readStore(dataDir)
    expect(stored.transactions.find((t) => t.id === transaction_id)?.checkout_request_id).toMatch(/^ws_CO_/)
  })
})

/** Whether a TCP connection to the server's port is accepted now. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
