import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { transaction } from './records.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-tokens-'))
  dirs.push(dir)
  return dir
}
/** Everything the store keeps on disk, as text. */
const filesText = (dir: string) => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')

const payout = (token: string) => ({ status: 'pending' as const, type: 'mpesa' as const, amount: 98, destination: { type: 'mpesa' as const, phone: '254700000000' }, callback_token: token, created_at: 'x', updated_at: 'x' })

describe('callback tokens are kept only as SHA-256 hashes', () => {
  it('STK and B2C tokens never reach the files, and are found by the token from the URL', async () => {
    const dir = dataDir()
    const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('a', { callback_token: 'stk-secret-token-a' }))
    await store.transition({ transactionId: 'a', guard: () => true, patch: () => ({ status: 'success', payout: payout('b2c-secret-token-a') }) })
    expect((await store.findTransactionByCallbackToken('stk-secret-token-a'))?.id).toBe('a')
    expect((await store.findTransactionByPayoutToken('b2c-secret-token-a'))?.id).toBe('a')
    // The stored hash is not a token: it finds nothing.
    const stored = (await store.getTransaction('a'))!
    expect(stored.callback_token).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(await store.findTransactionByCallbackToken(stored.callback_token)).toBeUndefined()
    await store.close()
    expect(filesText(dir)).not.toContain('secret-token')
  })

  it('a store written with clear tokens is migrated at open: hashed, folded, and still found by the tokens', async () => {
    const dir = dataDir()
    const old = { ...transaction('legacy', { callback_token: 'legacy-stk-token' }), payout: payout('legacy-b2c-token') }
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify({ version: 1, meta: {}, next_event_seq: 1, accounts: [], api_keys: [], transactions: [old], idempotency: [], events: [], webhook_endpoints: [], deliveries: [] }))
    writeFileSync(join(dir, 'gateway.journal'), `${JSON.stringify({ c: 'transactions', r: transaction('journalled', { callback_token: 'journal-stk-token' }) })}\n`)
    const warnings: Array<Record<string, unknown>> = []
    const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, warn: (message, fields) => warnings.push({ message, ...fields }) })
    await store.open()
    expect(warnings).toContainEqual({ message: 'store.callback_tokens_hashed', transactions: 2 })
    expect(filesText(dir)).not.toMatch(/legacy-stk-token|legacy-b2c-token|journal-stk-token/)
    expect((await store.findTransactionByCallbackToken('legacy-stk-token'))?.id).toBe('legacy')
    expect((await store.findTransactionByPayoutToken('legacy-b2c-token'))?.id).toBe('legacy')
    expect((await store.findTransactionByCallbackToken('journal-stk-token'))?.id).toBe('journalled')
    await store.close()
  })
})
