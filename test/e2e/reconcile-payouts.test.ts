import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/gateway.js'
import { expectPaidOnceAndSettled, startReconcileWorld, untilStatus, type ReconcileWorld } from './reconcile-helpers.js'

let world: ReconcileWorld | undefined
afterEach(async () => {
  await world?.close()
  world = undefined
})

function row(stdout: string, id: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`${id}  payout`))
  if (!line) throw new Error(`no payout row for ${id} in:\n${stdout}`)
  return line.replace(/\s+/g, ' ')
}

/** The B2C Daraja took for this payout (its request as the emulator received it). */
async function takenB2c(w: ReconcileWorld, id: string): Promise<{ resultUrl: string; conversationId: string }> {
  const entry = await waitFor(() => w.gw.emulator!.requests().find((r) => r.endpoint === 'b2c_v3' && (r.request.body as { OriginatorConversationID?: string }).OriginatorConversationID === `mpg-${id}`), { what: 'the B2C' })
  const body = entry.request.body as { ResultURL: string }
  const ack = entry.response.body as { ConversationID: string }
  return { resultUrl: body.ResultURL, conversationId: ack.ConversationID }
}

/** A B2C result Daraja never sent (a forged or mistaken one), posted to the payout's result URL. */
async function forgeB2cResult(w: ReconcileWorld, id: string, paid: boolean): Promise<void> {
  const { resultUrl, conversationId } = await takenB2c(w, id)
  const Result = {
    ResultType: 0,
    ResultCode: paid ? 0 : 1,
    ResultDesc: paid ? 'The service request is processed successfully.' : 'The balance is insufficient for the transaction.',
    OriginatorConversationID: `mpg-${id}`,
    ConversationID: conversationId,
    TransactionID: 'FORGED0001',
  }
  const res = await fetch(resultUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Result }) })
  expect(res.status).toBe(200)
}

describe('mpg reconcile: payouts', () => {
  it('B2C result lost: listed as a payout without a result that Daraja paid; --fix settles it with its receipt, once', async () => {
    world = await startReconcileWorld()
    await world.control('races', { name: 'b2c-result-lost', phone: '254708374149' })
    const { id } = await world.push('254712345678')
    await untilStatus(world, id, (t) => t.status === 'success' && t.payout?.status === 'pending', 'the payment to succeed')
    await takenB2c(world, id)

    const listed = await world.reconcile()
    expect(listed.exitCode, listed.stderr).toBe(13)
    expect(row(listed.stdout, id)).toMatch(/ORDER-1234 98 pending paid payout without a result needs --fix$/)
    expect(listed.stdout).toMatch(new RegExp(`^${id} payout: Run with --fix to settle it as success \\(receipt [A-Z0-9]{10}\\), with payout.success. \\(Daraja: The service request is processed successfully.\\)$`, 'm'))
    expect((await world.transaction(id)).payout?.status).toBe('pending')

    const fixed = await world.reconcile('--fix')
    expect(fixed.exitCode, fixed.stderr).toBe(0)
    expect(row(fixed.stdout, id)).toMatch(/pending paid payout without a result fixed$/)
    const t = await world.transaction(id)
    expect(t.payout).toMatchObject({ status: 'success', mpesa_receipt: expect.stringMatching(/^[A-Z0-9]{10}$/) })
    await expectPaidOnceAndSettled(world, id)
  })

  it('needs_attention (Transaction Status did not know it three times): reconcile asks again and --fix settles what Daraja now says', async () => {
    world = await startReconcileWorld({ MPG_PAYOUT_STATUS_AFTER_S: '0.05' })
    await world.control('races', { name: 'b2c-result-lost', phone: '254708374149' })
    await world.control('faults', { kind: 'transaction_status', outcome: 'not_found', count: 3 })
    const { id } = await world.push('254712345678')
    await untilStatus(world, id, (t) => t.payout?.status === 'needs_attention', 'the payout to need attention')

    const listed = await world.reconcile()
    expect(listed.exitCode, listed.stderr).toBe(13)
    expect(row(listed.stdout, id)).toMatch(/needs_attention paid payout without a result needs --fix$/)

    const fixed = await world.reconcile('--fix')
    expect(fixed.exitCode, fixed.stderr).toBe(0)
    expect((await world.transaction(id)).payout?.status).toBe('success')
    expect(await world.events(id)).toEqual(['payment.success', 'payout.success'])
    expect(world.b2cRequestsFor(id)).toBe(1)
  })

  it('a payout Daraja cannot confirm stays listed with what to do next', async () => {
    world = await startReconcileWorld()
    await world.control('races', { name: 'b2c-result-lost', phone: '254708374149' })
    const { id } = await world.push('254712345678')
    await untilStatus(world, id, (t) => t.payout?.status === 'pending', 'the payout to wait for its result')
    await takenB2c(world, id)
    await world.control('faults', { kind: 'transaction_status', outcome: 'not_found', count: 1 })

    const r = await world.reconcile('--fix')
    expect(r.exitCode, r.stderr).toBe(13)
    expect(row(r.stdout, id)).toMatch(/pending unknown payout without a result check by hand$/)
    expect(r.stdout).toContain(`${id} payout: Daraja cannot confirm this B2C yet: the gateway keeps asking (Transaction Status) and marks it needs_attention if Daraja never knows. (Daraja: 2032 The transaction receipt number does not exist.)`)
    expect((await world.transaction(id)).payout?.status).toBe('pending')
  })

  it('failed here, paid at Daraja (a wrong failure result): --fix alone leaves it; --fix --force records the success, and no second B2C', async () => {
    world = await startReconcileWorld()
    await world.control('races', { name: 'b2c-result-lost', phone: '254708374149' })
    const { id } = await world.push('254712345678')
    await untilStatus(world, id, (t) => t.payout?.status === 'pending', 'the payout to wait for its result')
    await forgeB2cResult(world, id, false)
    await untilStatus(world, id, (t) => t.payout?.status === 'failed', 'the forged failure to land')

    const listed = await world.reconcile('--fix')
    expect(listed.exitCode, listed.stderr).toBe(13)
    expect(row(listed.stdout, id)).toMatch(/failed paid payout paid at Daraja, failed here needs --fix --force$/)
    expect(listed.stdout).toContain('Daraja paid this B2C: do not pay the merchant again by hand.')
    expect((await world.transaction(id)).payout?.status).toBe('failed')

    const forced = await world.reconcile('--fix', '--force')
    expect(forced.exitCode, forced.stderr).toBe(0)
    expect(row(forced.stdout, id)).toMatch(/payout paid at Daraja, failed here fixed$/)
    expect((await world.transaction(id)).payout).toMatchObject({ status: 'success', mpesa_receipt: expect.stringMatching(/^[A-Z0-9]{10}$/) })
    expect(await world.events(id)).toEqual(['payment.success', 'payout.failed', 'payout.success'])
    expect(world.b2cRequestsFor(id)).toBe(1)
  })

  it('success here, failed at Daraja: listed, and never reversed or re-sent, even with --force', async () => {
    world = await startReconcileWorld()
    const w = world
    const account = (await (await w.gw.admin('/api/v1/admin/accounts', { method: 'POST', json: { name: 'Broke payouts', payout_account: { type: 'mpesa', phone: '254700000003' } } })).json()) as { id: string }
    const key = ((await (await w.gw.admin('/api/v1/admin/keys', { method: 'POST', json: { account_id: account.id, mode: 'test' } })).json()) as { key: string }).key
    // Daraja declines the B2C (insufficient funds) and loses that result; a success result arrives instead.
    await w.control('scenarios', { product: 'b2c', phone: '254700000003', outcome: 'insufficient_funds', callback: 'none' })
    const { id } = await w.push('254712345678', {}, key)
    await untilStatus(w, id, (t) => t.payout?.status === 'pending', 'the payout to wait for its result', key)
    await forgeB2cResult(w, id, true)
    await untilStatus(w, id, (t) => t.payout?.status === 'success', 'the forged success to land', key)

    const r = await w.reconcile('--fix', '--force')
    expect(r.exitCode, r.stderr).toBe(13)
    expect(row(r.stdout, id)).toMatch(/success failed payout failed at Daraja, success here refused$/)
    expect(r.stdout).toContain('Reconcile never reverses or re-sends a payout (money must not move twice)')
    expect((await w.transaction(id, key)).payout?.status).toBe('success')
    expect(await w.events(id, key)).toEqual(['payment.success', 'payout.success'])
    expect(w.b2cRequestsFor(id)).toBe(1)
  })
})
