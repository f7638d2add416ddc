import { expect } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { runCli, type CliResult } from '../helpers/run-cli.js'
import { tempConfigDir } from '../cli/cli-env.js'

export interface Transaction {
  id: string
  status: string
  reference: string
  checkout_request_id?: string | null
  mpesa_receipt_number: string | null
  late_success: unknown
  payout: { status: string; mpesa_receipt: string | null; amount: number } | null
}

/**
 * A gateway whose own background work (STK reconciliation, payout status checks) waits an hour,
 * so that each disagreement a test forces stays there until `mpg reconcile` finds it; and a
 * webhook receiver registered for every event.
 */
export async function startReconcileWorld(env: Record<string, string> = {}) {
  const gw = await startTestGateway({ env: { MPG_RECONCILE_AFTER_S: '3600', MPG_PAYOUT_STATUS_AFTER_S: '3600', ...env } })
  const receiver = await startCallbackReceiver()
  const created = await gw.api('/api/v1/webhooks', { method: 'POST', json: { url: `${receiver.url}/hooks` } })
  if (created.status !== 201) throw new Error(`webhook endpoint not created: ${created.status} ${await created.text()}`)
  const configDir = tempConfigDir()
  const emulatorUrl = gw.emulator!.url
  return {
    gw,
    receiver,
    /** Runs `mpg reconcile …` through bin/run.js against the gateway with its admin token. */
    reconcile: (...args: string[]): Promise<CliResult> =>
      runCli(['reconcile', ...args], {
        env: { MPG_BASE_URL: gw.url, MPG_ADMIN_TOKEN: gw.adminToken, MPG_CONFIG_DIR: configDir, MPG_DATA_DIR: configDir, MPG_API_KEY: '', MPG_PROFILE: '' },
        timeoutMs: 60_000,
      }),
    /** The emulator's control API, as a test drives a Daraja-side truth. */
    control: async (path: string, json?: unknown) => {
      const res = await fetch(`${emulatorUrl}/__emulator/${path}`, json === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })
      if (res.status >= 300) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`)
      return res.json() as Promise<Record<string, unknown>>
    },
    async push(phone: string, overrides: Record<string, unknown> = {}, key?: string): Promise<{ status: number; id: string }> {
      const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone, ...overrides }), ...(key ? { auth: key } : {}) })
      const body = (await res.json()) as { transaction_id?: string; detail?: string }
      return { status: res.status, id: body.transaction_id ?? '' }
    },
    async transaction(id: string, key?: string): Promise<Transaction> {
      const res = await gw.api(`/api/v1/transactions/${id}`, key ? { auth: key } : {})
      return ((await res.json()) as { transaction: Transaction }).transaction
    },
    /** The transaction's events, oldest first. */
    async events(id: string, key?: string): Promise<string[]> {
      const res = await gw.api(`/api/v1/transactions/${id}/events`, key ? { auth: key } : {})
      return ((await res.json()) as { data: Array<{ event: string }> }).data.map((e) => e.event)
    },
    /** Webhook deliveries the receiver got about this transaction, by event type. */
    webhooksFor(id: string): string[] {
      return receiver
        .received()
        .map((r) => r.json as { event: string; data: { transaction_id?: string } })
        .filter((body) => body?.data?.transaction_id === id)
        .map((body) => body.event)
    },
    /** B2C requests the emulator received for this transaction's payout. */
    b2cRequestsFor(id: string): number {
      return gw.emulator!.requests().filter((r) => r.endpoint === 'b2c_v3' && (r.request.body as { OriginatorConversationID?: string })?.OriginatorConversationID === `mpg-${id}`).length
    },
    async close() {
      await gw.close()
      await receiver.close()
    },
  }
}

export type ReconcileWorld = Awaited<ReturnType<typeof startReconcileWorld>>

/** Waits until the emulator's record of a push is final (its outcome decided at "Daraja"). */
export async function untilDarajaFinal(world: ReconcileWorld, id: string): Promise<string> {
  const t = await world.transaction(id)
  const checkout = t.checkout_request_id
  if (!checkout) throw new Error('the push has no CheckoutRequestID')
  await waitFor(() => world.gw.emulator!.transaction(checkout)?.status === 'completed', { what: 'the emulator to settle the push' })
  return checkout
}

/**
 * The payment and its payout succeeded once: one payment.success and one payout.success (events
 * and webhooks), one B2C; and a second `mpg reconcile --fix` finds nothing left and changes nothing.
 */
export async function expectPaidOnceAndSettled(world: ReconcileWorld, id: string): Promise<void> {
  expect(await world.events(id)).toEqual(['payment.success', 'payout.success'])
  await world.receiver.waitFor(2, { filter: (r) => (r.json as { data?: { transaction_id?: string } })?.data?.transaction_id === id })
  expect(world.webhooksFor(id).sort()).toEqual(['payment.success', 'payout.success'])
  expect(world.b2cRequestsFor(id)).toBe(1)

  const again = await world.reconcile('--fix')
  expect(again.exitCode, again.stderr).toBe(0)
  expect(again.stdout).toMatch(/^Daraja agrees with the gateway on all 1 payment and 1 payout/)
  expect(await world.events(id)).toEqual(['payment.success', 'payout.success'])
  expect(world.b2cRequestsFor(id)).toBe(1)
}

export async function untilStatus(world: ReconcileWorld, id: string, check: (t: Transaction) => boolean, what: string, key?: string): Promise<Transaction> {
  let last: Transaction | undefined
  try {
    return await waitFor(async () => {
      last = await world.transaction(id, key)
      return check(last) ? last : undefined
    }, { what, timeoutMs: 10_000 })
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`)
  }
}

export type { CallbackReceiver, TestGateway }
