import { expect } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { waitFor, type TestGateway } from '../helpers/gateway.js'
import { finishedTimeline } from '../webhooks/helpers.js'

export interface TxView {
  id: string
  reference: string
  status: 'pending' | 'success' | 'failed'
  result_code: string | null
  mpesa_receipt_number: string | null
  checkout_request_id: string | null
  payout: { status: string } | null
}

/** Every transaction of the bootstrap key's account, through the API (all pages). */
export async function allTransactions(gw: TestGateway): Promise<TxView[]> {
  const out: TxView[] = []
  let cursor: string | null = null
  for (;;) {
    const res = await gw.api(`/api/v1/transactions?limit=100${cursor ? `&starting_after=${cursor}` : ''}`)
    expect(res.status).toBe(200)
    const page = (await res.json()) as { data: TxView[]; has_more: boolean; next_cursor: string | null }
    out.push(...page.data)
    if (!page.has_more) return out
    cursor = page.next_cursor
  }
}

export async function expectErrorBody(res: Response, status: number): Promise<{ error: string; hint: string; detail: string }> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  const body = JSON.parse(text) as { error: string; hint: string; detail: string }
  expect(typeof body.error).toBe('string')
  expect(typeof body.hint).toBe('string')
  expect(typeof body.detail).toBe('string')
  return body
}

/** A webhook endpoint (all events) pointing at a fresh local receiver. */
export async function subscribe(gw: TestGateway): Promise<CallbackReceiver> {
  const receiver = await startCallbackReceiver()
  const res = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: `${receiver.url}/hooks` } })
  expect(res.status, await res.clone().text()).toBe(201)
  return receiver
}

/** payment.* events received per transaction id. */
export function paymentEventsByTransaction(receiver: CallbackReceiver): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const r of receiver.received()) {
    const body = r.json as { event?: string; data?: { id?: string; transaction_id?: string } } | undefined
    if (!body?.event?.startsWith('payment.')) continue
    const id = body.data?.id ?? body.data?.transaction_id ?? ''
    out.set(id, [...(out.get(id) ?? []), body.event])
  }
  return out
}

/** Waits until no transaction is pending and every successful one has a final payout. */
export async function waitAllSettled(gw: TestGateway, timeoutMs = 20_000): Promise<TxView[]> {
  return waitFor(
    async () => {
      const all = await allTransactions(gw)
      const settled = all.every((t) => t.status !== 'pending' && (t.status === 'failed' || (t.payout !== null && t.payout.status !== 'pending')))
      return settled ? all : undefined
    },
    { timeoutMs, what: 'every transaction final, payouts included' },
  )
}

/**
 * The invariants after any fault: one payment event per final transaction, matching its state;
 * one B2C per successful payment; emulator and gateway agree on each outcome.
 */
export async function expectConsistent(gw: TestGateway, receiver: CallbackReceiver, transactions: TxView[]): Promise<void> {
  const final = transactions.filter((t) => t.status !== 'pending')
  await receiver.waitFor(final.length, { filter: (r) => String((r.json as { event?: string })?.event).startsWith('payment.'), timeoutMs: 10_000 })
  // Once every delivery of a payment's events is finished, the receiver has all it will ever get:
  // a duplicate event would be in the stored timeline, a duplicate delivery already received.
  for (const t of final) {
    const stored = (await finishedTimeline(gw, t.id)).map((e) => e.event).filter((e) => e.startsWith('payment.'))
    expect(stored, `stored events of ${t.reference}`).toEqual([t.status === 'success' ? 'payment.success' : 'payment.failed'])
  }
  const events = paymentEventsByTransaction(receiver)
  for (const t of final) {
    expect(events.get(t.id), `events of ${t.reference}`).toEqual([t.status === 'success' ? 'payment.success' : 'payment.failed'])
  }
  const b2c = gw.emulator!.requests().filter((r) => (r.endpoint === 'b2c_v1' || r.endpoint === 'b2c_v3') && r.status === 200)
  expect(b2c.length).toBe(final.filter((t) => t.status === 'success').length)
  for (const t of final) {
    if (!t.checkout_request_id) continue
    const emulated = gw.emulator!.transaction(t.checkout_request_id)
    if (!emulated) continue
    expect(String(emulated.result_code), t.reference).toBe(t.result_code)
  }
}
