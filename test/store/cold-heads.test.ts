import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { cold, coldOfText, HEAD_FIELDS, jsonOf, type ColdCollection } from '../../src/store/cold.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { transaction } from './records.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A cold record's head fields and its text (where the text is kept, its own string or a slab's,
 * is not part of what it reads as).
 */
// created_at (and a payment's reference) are getters of the head's class (made from its text when asked).
const asRead = (head: object | undefined) => {
  if (!head) return head
  const fields = head as { created_at?: unknown; reference?: unknown }
  return { ...Object.fromEntries(Object.entries(head)), created_at: fields.created_at, ...('reference' in head ? { reference: fields.reference } : {}), text: jsonOf(head) }
}

/** The history lines of a folded snapshot, by collection. */
function historyLines(file: string): Array<[ColdCollection, string]> {
  const lines: Array<[ColdCollection, string]> = []
  let c = ''
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('"')) c = line.slice(1, line.indexOf('"', 1))
    else if (c in HEAD_FIELDS && line.startsWith('{')) lines.push([c as ColdCollection, line.endsWith(',') ? line.slice(0, -1) : line])
  }
  return lines
}

describe('the head of a history line read without parsing it', () => {
  it('is what JSON.parse reads from it, for every kind of history record, whatever its values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mpg-heads-'))
    dirs.push(dir)
    const file = join(dir, 'gateway.json')
    const store = new LowdbStore(file, { deliverTo: deliversTo })
    await store.open()
    const now = () => new Date().toISOString()
    // Values that change from line to line with the same length and not ('acct_1', 'acct_2', 'acct_10'),
    // and escapes in the fields around the head's.
    const accounts = ['acct_1', 'acct_2', 'acct_10', 'acct_1']
    for (const [a, account] of accounts.entries()) {
      for (const mode of ['test', 'live'] as const) {
        await store.createWebhookEndpoint({ id: `we_${a}_${mode}`, account_id: account, mode, url: 'https://example.com/hook', events: [], sealed_secret: 'sealed', created_at: now(), deleted_at: null }).catch(() => undefined)
        const id = `txn_${a}_${mode}`
        const scope = a === 3 ? `${account}:${mode}:order "${a}" ü` : `${account}:${mode}:order-${a} ü`
        await store.insertTransaction(transaction(id, { account_id: account, mode, reference: a === 3 ? `R "${a}" \\ ü` : `R-${a} ü`, description: 'a "quoted" \\ line\nbreak', callback_token: `sha256:${a}${mode}` }), {
          idempotency: { scope, fingerprint: 'f', state: 'in_flight', status_code: null, response: null, transaction_id: id, created_at: now() },
        })
        await store.saveIdempotency({ scope, fingerprint: 'f', state: 'done', status_code: 201, response: { id, note: '"created_at":"x"' }, transaction_id: id, created_at: now() })
        const payout = a % 2 === 0 ? { status: 'success' as const, type: 'mpesa' as const, amount: 98, destination: { type: 'mpesa' as const, phone: '254712345678' }, callback_token: `sha256:p${a}${mode}`, created_at: now(), updated_at: now() } : null
        const result = await store.transition({ transactionId: id, guard: () => true, patch: () => ({ status: a === 1 ? 'failed' : 'success', result_desc: 'x "y"', payout }), events: (t) => [{ event: 'payment.success', data: { id: t.id, created_at: '"quoted"' } }] })
        for (const d of result!.deliveries) {
          await store.updateDelivery(d.id, (x) => ({ ...x, status: a === 2 ? 'failed' : 'succeeded', next_attempt_at: null, attempts: [{ at: now(), status_code: 200, duration_ms: 1, error: null, response_body: '{"created_at":"x","status":"y"}' }] }))
        }
      }
    }
    await store.fold()
    await store.close()
    const lines = historyLines(file)
    const kinds = new Set(lines.map(([c]) => c))
    expect([...kinds].sort()).toEqual(['deliveries', 'events', 'idempotency', 'transactions'])
    const read = new Set<string>()
    for (const [c, line] of lines) {
      const head = coldOfText(c, line)
      // A head value holding an escape (here only the last payments' reference and scope) is left to JSON.parse.
      if (head === undefined) {
        expect(line).toMatch(/^\{"(id|scope)":"(txn_3_|acct_1:\w+:order \\"3)/)
        continue
      }
      read.add(c)
      expect(asRead(head), line).toEqual(asRead(cold(c, line, JSON.parse(line))))
    }
    expect([...read].sort()).toEqual([...kinds].sort())
  })

  it('is not read from a line in another layout (it is parsed instead)', () => {
    expect(coldOfText('events', '{"seq":1,"id":"evt_1","account_id":"a","mode":"test","event":"e","created_at":"t","data":{}}')).toBeUndefined()
    expect(coldOfText('idempotency', '{"scope":"s","fingerprint":"f","state":"done","created_at":"t","extra":1}')).toBeUndefined()
    expect(coldOfText('deliveries', '{"id":"d\\"1","event_id":"e","endpoint_id":"w","account_id":"a","mode":"test","event":"e","status":"succeeded","attempts":[],"created_at":"t","updated_at":"t"}')).toBeUndefined()
  })

  it('reads created_at however far from the end of the line it starts, and the last one only', () => {
    const long = `2026-11-29T21:34:45.333Z${' '.repeat(100)}`
    const key = `{"scope":"s","fingerprint":"f","state":"done","status_code":201,"response":{"created_at":"inner"},"transaction_id":"t","created_at":"${long}"}`
    expect(asRead(coldOfText('idempotency', key))).toEqual(asRead(cold('idempotency', key, JSON.parse(key))))
    const delivery = `{"id":"d1","event_id":"e","endpoint_id":"w","account_id":"a","mode":"test","event":"e","status":"succeeded","attempts":[],"next_attempt_at":null,"created_at":"${long}","updated_at":"${long}"}`
    expect(asRead(coldOfText('deliveries', delivery))).toEqual(asRead(cold('deliveries', delivery, JSON.parse(delivery))))
  })
})
