import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDocument } from '../../src/store/document.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { repoRoot } from '../helpers/run-cli.js'

/**
 * kill -9 of a process writing to the embedded store while folds run (a tiny fold threshold makes
 * one start every few writes, so kills land before, during and after rotations and snapshot
 * writes). The writer prints each change once its promise resolved (acknowledged); after every
 * kill, the files must hold every acknowledged change, and the store must open and go on.
 */
const writer = (file: string) => `
const { LowdbStore } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/src/store/lowdb-store.js')).href)})
const { deliversTo } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist/src/webhooks/subscriptions.js')).href)})
const store = new LowdbStore(${JSON.stringify(file)}, { deliverTo: deliversTo, foldMinBytes: 8 * 1024 })
await store.open()
const run = process.pid
const one = async (i) => {
  const id = 't' + run + '_' + i
  await store.insertTransaction({ id, account_id: 'a', mode: 'test', reference: 'R', description: 'x'.repeat(200), phone: '254712345678', amount: 1, platform_fee: 0, net_amount: 1, status: 'pending', merchant_request_id: null, checkout_request_id: null, customer_message: null, mpesa_receipt_number: null, result_code: null, result_desc: null, callback_token: 'tok' + id, created_at: new Date().toISOString(), completed_at: null, payout: null })
  process.stdout.write('new ' + id + '\\n')
  await store.transition({ transactionId: id, guard: () => true, patch: () => ({ status: 'success', result_desc: 'paid ' + i }), events: (t) => [{ event: 'payment.success', data: { transaction_id: t.id } }] })
  process.stdout.write('paid ' + id + '\\n')
}
for (let i = 0; ; i += 20) await Promise.all(Array.from({ length: 20 }, (_, j) => one(i + j)))
`

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('the embedded store under kill -9 during folds', () => {
  it('every acknowledged change survives each kill, at any point of a fold', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpg-fold-kill9-'))
    const file = join(dir, 'gateway.json')
    const created = new Set<string>()
    const paid = new Set<string>()
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', writer(file)], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let err = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
      const exited = new Promise((resolve) => child.on('exit', resolve))
      // Killed at a different point of its write and fold cycle each round.
      await new Promise((resolve) => setTimeout(resolve, 400 + round * 137))
      child.kill('SIGKILL')
      await exited
      expect(err).toBe('')
      for (const line of out.split('\n')) {
        const [what, id] = line.split(' ')
        if (what === 'new') created.add(id)
        if (what === 'paid') paid.add(id)
      }
      const { doc } = await loadDocument(file)
      const byId = new Map(doc.transactions.map((t) => [t.id, t]))
      const lost = [...created].filter((id) => !byId.has(id))
      const unpaid = [...paid].filter((id) => byId.get(id)?.status !== 'success')
      expect({ round, lost, unpaid }).toEqual({ round, lost: [], unpaid: [] })
      // One event per payment that is paid on disk, never two.
      const events = doc.events.map((e) => e.data.transaction_id)
      expect(new Set(events).size).toBe(events.length)
    }
    // A kill mid-fold can leave a snapshot temp and the old files being freed (renamed to temp
    // names): the next open removes every one of them, and the store reads the same.
    const temps = () => readdirSync(dir!).filter((f) => f.endsWith('.tmp'))
    const leftByLastKill = temps()
    const store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    await store.close()
    expect(temps()).toEqual([])
    const { doc: reopened } = await loadDocument(file)
    expect(reopened.transactions.filter((t) => paid.has(t.id) && t.status === 'success').length).toBe(paid.size)
    expect(paid.size).toBeGreaterThan(100)
    console.log(`fold kill -9: ${created.size} acknowledged payments, ${paid.size} acknowledged settlements, temp files the last kill left: ${leftByLastKill.length}, files after the next open: ${readdirSync(dir).join(', ')}`)
  })
})
