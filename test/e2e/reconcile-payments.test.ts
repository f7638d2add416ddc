import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import { expectPaidOnceAndSettled, startReconcileWorld, untilDarajaFinal, untilStatus, type ReconcileWorld } from './reconcile-helpers.js'

let world: ReconcileWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

/** The report line (table row) of one transaction's subject. */
function row(stdout: string, id: string, subject = 'payment'): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${id}  ${subject}`))
  if (!line) throw new Error(`no report row for ${id} ${subject} in:\n${stdout}`)
  return line.replace(/\s+/g, ' ')
}

describe('mpg reconcile: payments', () => {
  it('says Daraja agrees (exit 0) when every payment and payout matches', async () => {
    world = await startReconcileWorld()
    const paid = await world.push('254712345678')
    await untilStatus(world, paid.id, (t) => t.payout?.status === 'success', 'the payment and its payout to succeed')
    const failed = await world.push('254700000001')
    await untilStatus(world, failed.id, (t) => t.status === 'failed', 'the cancelled payment to fail')

    const r = await world.reconcile()
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Daraja agrees with the gateway on all 2 payments and 1 payout since \d{4}-\d\d-\d\dT/)
  })

  it('lost callback: paid at Daraja, pending here → listed (exit 13); --fix settles it once, like the callback would', async () => {
    world = await startReconcileWorld()
    await world.control('races', { name: 'lost-callback', phone: '254711000001' })
    const { id } = await world.push('254711000001')
    await untilDarajaFinal(world, id)
    expect((await world.transaction(id)).status).toBe('pending')

    const listed = await world.reconcile()
    expect(listed.exitCode, listed.stderr).toBe(13)
    expect(row(listed.stdout, id)).toMatch(/ORDER-1234 100 pending paid paid at Daraja, pending here needs --fix$/)
    expect(listed.stdout).toContain(`${id} payment: Run with --fix to settle it as success (payment.success, and its payout). (Daraja: 0 The service request is processed successfully.)`)
    expect(listed.stdout).toMatch(/^1 not settled by this run\.$/m)
    expect((await world.transaction(id)).status).toBe('pending')
    expect(await world.events(id)).toEqual([])

    const fixed = await world.reconcile('--fix')
    expect(fixed.exitCode, fixed.stderr).toBe(0)
    expect(row(fixed.stdout, id)).toMatch(/pending paid paid at Daraja, pending here fixed$/)
    expect(fixed.stdout).toMatch(/^Every disagreement is settled\.$/m)

    const t = await untilStatus(world, id, (t) => t.payout?.status === 'success', 'the payout to be paid')
    expect(t.status).toBe('success')
    await expectPaidOnceAndSettled(world, id)
  })

  it('failed at Daraja, pending here (the cancel callback lost) → --fix makes it failed with one payment.failed', async () => {
    world = await startReconcileWorld()
    await world.control('scenarios', { phone: '254711000002', outcome: 'cancelled', callback: 'none' })
    const { id } = await world.push('254711000002')
    await untilDarajaFinal(world, id)

    const listed = await world.reconcile('--json')
    expect(listed.exitCode, listed.stderr).toBe(13)
    const report = JSON.parse(listed.stdout) as { unresolved: number; disagreements: Array<Record<string, unknown>> }
    expect(report.unresolved).toBe(1)
    expect(report.disagreements).toEqual([
      expect.objectContaining({ transaction_id: id, subject: 'payment', disagreement: 'failed_at_daraja_pending_here', here: 'pending', daraja: 'failed', daraja_detail: '1032 Request Cancelled by user.', action: 'needs_fix' }),
    ])

    const fixed = await world.reconcile('--fix')
    expect(fixed.exitCode, fixed.stderr).toBe(0)
    expect(row(fixed.stdout, id)).toMatch(/pending failed failed at Daraja, pending here fixed$/)
    const t = await world.transaction(id)
    expect(t).toMatchObject({ status: 'failed', payout: null })
    expect(await world.events(id)).toEqual(['payment.failed'])
    await world.receiver.waitFor(1, { filter: (r) => (r.json as { data?: { transaction_id?: string } })?.data?.transaction_id === id })
    expect(world.webhooksFor(id)).toEqual(['payment.failed'])
  })

  it('paid at Daraja, failed here (1037, then the success callback lost) → only --fix --force makes it a success, with one payout', async () => {
    world = await startReconcileWorld()
    await world.control('races', { name: 'late-success', phone: '254711000003', delay_ms: 60_000 })
    const { id } = await world.push('254711000003')
    await untilStatus(world, id, (t) => t.status === 'failed', 'the 1037 to fail the payment')
    await world.control('faults', { kind: 'callback', action: 'drop', target: 'stk', count: 1 })
    const checkout = (await world.transaction(id)).checkout_request_id!
    world.gw.emulator!.advanceClock(60_000)
    await waitFor(() => world!.gw.emulator!.transaction(checkout)?.result_code === 0, { what: 'Daraja to record the late success' })

    const listed = await world.reconcile()
    expect(listed.exitCode, listed.stderr).toBe(13)
    expect(row(listed.stdout, id)).toMatch(/failed paid paid at Daraja, failed here needs --fix --force$/)
    expect(listed.stdout).toContain('The customer paid after payment.failed went out: refund the customer, or fulfil the order and run with --fix --force')

    // --fix alone never reverses a final state.
    const fixOnly = await world.reconcile('--fix')
    expect(fixOnly.exitCode).toBe(13)
    expect(row(fixOnly.stdout, id)).toMatch(/needs --fix --force$/)
    expect((await world.transaction(id)).status).toBe('failed')
    expect(await world.events(id)).toEqual(['payment.failed'])

    const forced = await world.reconcile('--fix', '--force')
    expect(forced.exitCode, forced.stderr).toBe(0)
    expect(row(forced.stdout, id)).toMatch(/failed paid paid at Daraja, failed here fixed$/)
    const t = await untilStatus(world, id, (t) => t.payout?.status === 'success', 'the payout of the corrected payment')
    expect(t.status).toBe('success')
    expect(await world.events(id)).toEqual(['payment.failed', 'payment.success', 'payout.success'])
    expect(world.b2cRequestsFor(id)).toBe(1)

    const again = await world.reconcile('--fix', '--force')
    expect(again.exitCode, again.stderr).toBe(0)
    expect(world.b2cRequestsFor(id)).toBe(1)
    expect(await world.events(id)).toEqual(['payment.failed', 'payment.success', 'payout.success'])
  })

  it('failed at Daraja, success here (a forged success callback): --force makes it failed when no payout moved money, refuses otherwise', async () => {
    world = await startReconcileWorld()
    const w = world
    // An account whose B2C payouts Daraja refuses (254700000003: insufficient funds): no money leaves for its payments.
    const account = (await (await w.gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Refused payouts', payout_account: { type: 'mpesa', phone: '254700000003' } } })).json()) as { id: string }
    const key = ((await (await w.gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as { key: string }).key

    const forge = async (id: string, apiKey?: string) => {
      const t = await w.transaction(id, apiKey)
      const view = w.gw.emulator!.transaction(t.checkout_request_id!)!
      const body = {
        Body: {
          stkCallback: {
            MerchantRequestID: view.merchant_request_id,
            CheckoutRequestID: view.checkout_request_id,
            ResultCode: 0,
            ResultDesc: 'The service request is processed successfully.',
            CallbackMetadata: { Item: [{ Name: 'Amount', Value: 100 }, { Name: 'MpesaReceiptNumber', Value: 'FAKE123456' }, { Name: 'PhoneNumber', Value: 254700000008 }] },
          },
        },
      }
      const res = await fetch(view.callback_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      expect(res.status).toBe(200)
      // Then the customer cancels at the phone: Daraja's record says 1032 (its callback is ignored: already final).
      w.gw.emulator!.resolve(view.checkout_request_id, 1032)
      await waitFor(() => w.gw.emulator!.transaction(view.checkout_request_id)?.status === 'completed', { what: 'Daraja to record the cancel' })
    }
    const noPayout = await w.push('254700000008', { reference: 'NO-PAYOUT' }, key)
    await forge(noPayout.id, key)
    await untilStatus(w, noPayout.id, (t) => t.payout?.status === 'failed', 'the refused payout to fail', key)
    const withPayout = await w.push('254700000008', { reference: 'PAID-OUT' })
    await forge(withPayout.id)
    await untilStatus(w, withPayout.id, (t) => t.payout?.status === 'success', 'the forged payment to be paid out')
    expect((await w.transaction(noPayout.id, key)).status).toBe('success')

    const listed = await w.reconcile()
    expect(listed.exitCode, listed.stderr).toBe(13)
    expect(row(listed.stdout, noPayout.id)).toMatch(/NO-PAYOUT 100 success failed failed at Daraja, success here needs --fix --force$/)
    expect(row(listed.stdout, withPayout.id)).toMatch(/PAID-OUT 100 success failed failed at Daraja, success here needs --fix --force$/)

    const forced = await w.reconcile('--fix', '--force')
    expect(forced.exitCode).toBe(13)
    expect(row(forced.stdout, noPayout.id)).toMatch(/failed at Daraja, success here fixed$/)
    expect(row(forced.stdout, withPayout.id)).toMatch(/failed at Daraja, success here refused$/)
    expect(forced.stdout).toContain(`${withPayout.id} payment: Not reversed: its payout may already have paid the merchant, and reconcile never moves money back. Recover it from the merchant by hand. (Daraja: 1032 Request Cancelled by user.)`)
    expect(forced.stdout).toMatch(/^1 not settled by this run\.$/m)

    expect(await w.transaction(noPayout.id, key)).toMatchObject({ status: 'failed', mpesa_receipt_number: null, payout: { status: 'failed' } })
    expect(await w.events(noPayout.id, key)).toEqual(['payment.success', 'payout.failed', 'payment.failed'])
    expect(await w.transaction(withPayout.id)).toMatchObject({ status: 'success', payout: { status: 'success' } })
    expect(await w.events(withPayout.id)).toEqual(['payment.success', 'payout.success'])
    expect(w.b2cRequestsFor(withPayout.id)).toBe(1)
  })

  it('a push Daraja never answered has no CheckoutRequestID: listed as unknown to Daraja, with where to look', async () => {
    world = await startReconcileWorld()
    // Daraja takes the push but its answer is lost (the connection resets), and so is its callback.
    await world.control('faults', { kind: 'reset', endpoint: 'stk_push', after: true, count: 1 })
    await world.control('faults', { kind: 'callback', action: 'drop', target: 'stk', count: 1 })
    const { status } = await world.push('254712345678', { reference: 'LOST-ACK' })
    expect(status).toBe(502)
    const list = (await (await world.gw.api('/api/v1/transactions?reference=LOST-ACK')).json()) as { data: Array<{ id: string }> }
    const id = list.data[0].id
    await waitFor(() => world!.gw.emulator!.callbacks().length === 1, { what: 'the callback to be dropped' })
    expect(await world.transaction(id)).toMatchObject({ status: 'pending', checkout_request_id: null })

    const r = await world.reconcile('--fix')
    expect(r.exitCode, r.stderr).toBe(13)
    expect(row(r.stdout, id)).toMatch(/LOST-ACK 100 pending unknown unknown to Daraja \(no CheckoutRequestID\) check by hand$/)
    expect(r.stdout).toContain(`${id} payment: Daraja never returned a CheckoutRequestID for this push, so it cannot be asked: look for reference LOST-ACK (KES 100,`)
    expect((await world.transaction(id)).status).toBe('pending')
  })

  it("paces its queries under Daraja's spike arrest (the sandbox profile refuses more than 5 a second per API)", async () => {
    world = await startReconcileWorld({ MPG_EMULATOR_PROFILE: 'sandbox' })
    const ids: string[] = []
    for (let i = 10; i < 22; i++) {
      await world.control('races', { name: 'lost-callback', phone: `2547110001${i}` })
      ids.push((await world.push(`2547110001${i}`)).id)
      await new Promise((resolve) => setTimeout(resolve, 250)) // the pushes stay under the limit too
    }
    for (const id of ids) await untilDarajaFinal(world, id)

    const r = await world.reconcile('--json')
    expect(r.exitCode, r.stderr).toBe(13)
    const report = JSON.parse(r.stdout) as { disagreements: Array<{ disagreement: string }> }
    expect(report.disagreements.map((d) => d.disagreement)).toEqual(ids.map(() => 'paid_at_daraja_pending_here'))
    const arrested = world.gw.emulator!.requests().filter((q) => q.endpoint === 'stk_query' && JSON.stringify(q.response.body).includes('500.003.02'))
    expect(arrested).toEqual([])
  })

  it('refuses bad input with a clear message: a bad --since, --force without --fix, a wrong admin token', async () => {
    world = await startReconcileWorld()
    const badSince = await world.reconcile('--since', 'yesterday')
    expect(badSince.exitCode).toBe(2)
    expect(badSince.stderr).toMatch(/since is a duration such as 30m, 24h or 7d/)
    expect(badSince.stderr).not.toMatch(/at .*\.js:\d+/)

    const forceAlone = await world.reconcile('--force')
    expect(forceAlone.exitCode).toBe(2)
    expect(forceAlone.stderr).toMatch(/--fix/)

    const wrongToken = await runCli(['reconcile'], { env: { MPG_BASE_URL: world.gw.url, MPG_ADMIN_TOKEN: 'not-the-admin-token-at-all', MPG_CONFIG_DIR: world.gw.dataDir, MPG_PROFILE: '' } })
    expect(wrongToken.exitCode).toBe(5)
    expect(wrongToken.stderr).toMatch(/^Error: .*admin token/im)
  })
})
