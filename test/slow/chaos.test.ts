import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type FaultInput, type RunningEmulator } from '../../emulator/index.js'
import { removeDir, waitFor } from '../helpers/gateway.js'
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js'
import { mountSmallDisk, smallDiskUnavailable, type SmallDisk } from '../helpers/small-disk.js'
import { callbackTokenHash } from '../../src/store/tokens.js'
import { readStore } from '../helpers/store-file.js'

/**
 * #10's bounded chaos run: 300 STK pushes with Idempotency-Keys (each sent at least twice, as a
 * merchant retrying), random Daraja faults on push, query, B2C, Transaction Status and callbacks,
 * the data dir's disk filled and freed twice (each time `mpg serve` must stop, and is started
 * again as a supervisor would), and a kill -9 in the middle. Then it checks the money invariants
 * and prints the counts.
 *
 * Why there are more transactions than keys: a key is released when Daraja provably never got the
 * push (it refused it, or the connection was refused), and that attempt stays stored as a `failed`
 * transaction; the merchant's retry with the same key then creates a new one. So the invariant is
 * one Daraja push per key, one acknowledged transaction per key, and every other transaction a
 * failed attempt Daraja never took.
 */

const N = 300
const CONCURRENCY = 8
const PHONES = ['254708374149', '254700000001', '254712345678', '254700000005', '254700000003']
/** Daraja answers that may end a payout `failed` only when every attempt got one (never a business reason alone). */
const TRANSIENT = /^(500\.003\.|HTTP 5)/
/** Short, so that pushes whose answer and callback were both lost end `failed` within the run (default 600 s). */
const UNCONFIRMED_PUSH_TIMEOUT_S = 5
const UNCONFIRMED_PUSH_DESC = 'Daraja never confirmed the STK push'

let emulator: RunningEmulator | undefined
let disk: SmallDisk | undefined
let dataDir: string | undefined
const processes: ServeProcess[] = []

afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
  await emulator?.close()
  disk?.close()
  if (dataDir && !disk) removeDir(dataDir)
  emulator = disk = dataDir = undefined
})

/** A small deterministic PRNG (mulberry32), so a failing run can be repeated with its seed. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One random Daraja fault, each used up after a few requests or callbacks. */
function randomFault(rand: () => number): FaultInput {
  const pick = <T,>(items: T[]) => items[Math.floor(rand() * items.length)]
  const count = 1 + Math.floor(rand() * 3)
  return pick<FaultInput>([
    { kind: 'latency', endpoint: 'stk_push', ms: 200 + Math.floor(rand() * 2500), count },
    { kind: 'error', endpoint: 'stk_push', status: 500, errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation', count },
    { kind: 'reset', endpoint: 'stk_push', count: 1 },
    { kind: 'error', endpoint: 'stk_query', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error', count },
    { kind: 'latency', endpoint: 'stk_query', ms: 2500, count: 1 },
    { kind: 'error', endpoint: 'b2c', status: 500, errorCode: '500.003.1001', errorMessage: 'Internal Server Error', count },
    { kind: 'error', endpoint: 'b2c', status: 503, errorCode: '500.003.02', errorMessage: 'Spike arrest violation', count },
    { kind: 'reset', endpoint: 'b2c', count: 1 },
    { kind: 'reset', endpoint: 'b2c', after: true, count: 1 },
    { kind: 'latency', endpoint: 'b2c', ms: 2500, count: 1 },
    { kind: 'callback', action: 'drop', target: 'stk', count },
    { kind: 'callback', action: 'duplicate', target: 'stk', count: 1 },
    { kind: 'callback', action: 'drop', target: 'b2c_result', count },
    { kind: 'transaction_status', outcome: 'no_result', count: 1 },
    { kind: 'reset', endpoint: 'transaction_status', count: 1 },
  ])
}

interface Stored {
  transactions: Array<{
    id: string
    reference: string
    status: string
    callback_token: string
    checkout_request_id: string | null
    result_desc: string | null
    daraja_error: { status: number; code: string | null; message: string } | null
    late_success?: { mpesa_receipt_number: string } | null
    payout: { status: string; result_code?: string | null; result_desc?: string | null; originator_conversation_id?: string; mpesa_receipt?: string | null } | null
  }>
  events: Array<{ event: string; data: { transaction_id?: string } }>
  idempotency: Array<{ state: string }>
}
const storeOf = async () => (await readStore(dataDir!)) as unknown as Stored

describe('chaos', () => {
  it('300 keyed pushes through Daraja faults, two full disks and a kill -9: one push per key, every acknowledged payment final, no double payout, nothing acknowledged lost', async () => {
    const seed = Number(process.env.MPG_CHAOS_SEED ?? Date.now() % 1_000_000)
    const rand = prng(seed)
    const started = Date.now()
    const noDisk = smallDiskUnavailable()
    emulator = await startEmulator({ callbackDelayMs: 1500 })
    if (noDisk) {
      console.log(`chaos: the disk-full part is skipped: ${noDisk}`)
      dataDir = mkdtempSync(join(tmpdir(), 'mpg-chaos-'))
    } else {
      disk = mountSmallDisk(64 * 1024 * 1024)
      dataDir = join(disk.dir, 'data')
      mkdirSync(dataDir)
    }
    const env = {
      DARAJA_ENV: 'emulator',
      DARAJA_BASE_URL: emulator.url,
      DARAJA_TIMEOUT_MS: '1500',
      MPG_RECONCILE_AFTER_S: '1',
      MPG_PAYOUT_RETRY_DELAYS_MS: '200,400,800,1600',
      MPG_PAYOUT_STATUS_AFTER_S: '2',
      MPG_UNCONFIRMED_PUSH_TIMEOUT_S: String(UNCONFIRMED_PUSH_TIMEOUT_S),
      MPG_RATE_LIMIT: 'off',
    }

    let gw = await spawnServe(['--data-dir', dataDir], env)
    processes.push(gw)
    const url = gw.ready.url
    const port = new URL(url).port
    const key = gw.ready.key!
    expect(key).toMatch(/^mpg_test_/)
    const restart = async () => {
      gw = await spawnServe(['--data-dir', dataDir!, '--port', port], env)
      processes.push(gw)
    }

    // --- the merchant: each key sent until answered, then once more; 5xx and refused connections retried.
    const acknowledged = new Map<number, Set<string>>()
    let outage = 0
    let done = 0
    const send = async (i: number) => {
      for (let attempt = 0; attempt < 200; attempt++) {
        try {
          const res = await fetch(`${url}/api/v1/stk-push`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `chaos-${i}` },
            body: JSON.stringify({ amount: 10 + (i % 50), phone: PHONES[i % PHONES.length], reference: `CH-${i}`, description: 'chaos' }),
          })
          const body = (await res.json()) as { transaction_id?: string }
          if (res.status === 200 || res.status === 201) {
            acknowledged.set(i, (acknowledged.get(i) ?? new Set()).add(body.transaction_id!))
            return
          }
          if (res.status < 500 && res.status !== 409) throw new Error(`key ${i}: ${res.status} ${JSON.stringify(body)}`)
        } catch (error) {
          if (error instanceof Error && error.message.startsWith(`key ${i}:`)) throw error
          outage++
        }
        await new Promise((resolve) => setTimeout(resolve, 150))
      }
      throw new Error(`key ${i} never answered`)
    }
    let next = 0
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++
        await send(i)
        await send(i)
        done++
      }
    })

    // --- the chaos: random faults all along; the disk filled at 20 % and 45 %, kill -9 at 70 %.
    let stopChaos = false
    const chaos = (async () => {
      while (!stopChaos) {
        if (emulator!.requests().length % 3 === 0 || rand() < 0.5) emulator!.setFault(randomFault(rand))
        await new Promise((resolve) => setTimeout(resolve, 150 + rand() * 300))
      }
    })()
    const diskExits: Array<number | null> = []
    let ackedBeforeKill: string[] = []
    const events = (async () => {
      if (disk) {
        for (const at of [0.2, 0.45]) {
          await waitFor(() => done >= N * at, { timeoutMs: 120_000, intervalMs: 50, what: `${at * 100}% of the keys` })
          disk.fill()
          const code = await Promise.race([gw.exited, new Promise<'alive'>((resolve) => setTimeout(() => resolve('alive'), 20_000))])
          if (code === 'alive') throw new Error('mpg serve kept running for 20 s on a full disk: the store never reported the failed write')
          diskExits.push(code)
          disk.free()
          await restart()
        }
      }
      await waitFor(() => done >= N * 0.7, { timeoutMs: 120_000, intervalMs: 50, what: '70% of the keys' })
      ackedBeforeKill = [...acknowledged.values()].flatMap((ids) => [...ids])
      gw.child.kill('SIGKILL')
      await gw.exited
      const crashed = await storeOf()
      const ids = new Set(crashed.transactions.map((t) => t.id))
      const lost = ackedBeforeKill.filter((id) => !ids.has(id))
      expect(lost, 'acknowledged before kill -9, missing from the store after it').toEqual([])
      await restart()
    })()
    await Promise.all([...workers, events])
    stopChaos = true
    await chaos
    emulator.clearFaults()

    // --- settle: every payment final (unconfirmed pushes after MPG_UNCONFIRMED_PUSH_TIMEOUT_S), every payout out of `pending`.
    const settled = async () => {
      const doc = await storeOf()
      return doc.transactions.every((t) => t.status !== 'pending' && t.payout?.status !== 'pending')
    }
    try {
      await waitFor(settled, { timeoutMs: 60_000, intervalMs: 250, what: 'every payment final and every payout out of pending' })
    } catch (error) {
      const doc = await storeOf()
      const stuck = doc.transactions.filter((t) => t.status === 'pending' || t.payout?.status === 'pending').slice(0, 5)
      throw new Error(`${(error as Error).message} (seed ${seed}): e.g. ${JSON.stringify(stuck)}`)
    }
    await emulator.settle()
    gw.child.kill('SIGTERM')
    expect(await gw.exited).toBe(0)
    const doc = await storeOf()
    const byId = new Map(doc.transactions.map((t) => [t.id, t]))
    const byToken = new Map(doc.transactions.map((t) => [t.callback_token, t]))

    // One Daraja push per key (accepted pushes, answer lost or not).
    const pushes = new Map<string, number>()
    for (const r of emulator.requests()) {
      if (r.endpoint !== 'stk_push' || (r.response.body as { ResponseCode?: string } | null)?.ResponseCode !== '0') continue
      const ref = (r.request.body as { AccountReference: string }).AccountReference
      pushes.set(ref, (pushes.get(ref) ?? 0) + 1)
    }
    const doublePushed = [...pushes].filter(([, n]) => n > 1)
    expect(doublePushed, `keys pushed to Daraja twice (seed ${seed})`).toEqual([])
    // One payment per key: every answer for a key named the same transaction.
    const split = [...acknowledged].filter(([, ids]) => ids.size !== 1)
    expect(split, 'keys answered with two transactions').toEqual([])
    expect(acknowledged.size).toBe(N)

    // Nothing acknowledged lost; every acknowledged payment final.
    const acked = [...acknowledged.values()].map((ids) => [...ids][0])
    const missing = acked.filter((id) => !byId.has(id))
    expect(missing, 'acknowledged payments missing').toEqual([])
    const notFinal = acked.filter((id) => !['success', 'failed'].includes(byId.get(id)!.status))
    expect(notFinal, `acknowledged payments not final (seed ${seed})`).toEqual([])
    expect(doc.idempotency.filter((r) => r.state === 'in_flight')).toEqual([])

    const takenTokens = new Set(
      emulator
        .requests()
        .filter((r) => r.endpoint === 'stk_push' && (r.response.body as { ResponseCode?: string } | null)?.ResponseCode === '0')
        .map((r) => callbackTokenHash(new URL((r.request.body as { CallBackURL: string }).CallBackURL).pathname.split('/').pop()!)),
    )
    // Transactions beyond one per key are released keys' attempts: each failed, with Daraja's
    // refusal (or the refused connection) on it, and none of them a push Daraja took.
    const ackedIds = new Set(acked)
    const released = doc.transactions.filter((t) => !ackedIds.has(t.id))
    const badReleased = released.filter((t) => t.status !== 'failed' || !t.daraja_error || takenTokens.has(t.callback_token)).map((t) => `${t.id} (${t.reference}): ${t.status}, ${JSON.stringify(t.daraja_error)}, taken ${takenTokens.has(t.callback_token)}`)
    expect(badReleased, `transactions beyond one per key that are not failed attempts Daraja never took (seed ${seed})`).toEqual([])
    expect(doc.transactions.length).toBe(N + released.length)

    // Payments end as Daraja says; exactly one payment event per final payment, none for pending.
    const paymentEvents = new Map<string, string[]>()
    const payoutEvents = new Map<string, string[]>()
    for (const e of doc.events) {
      const map = e.event.startsWith('payment.') ? paymentEvents : payoutEvents
      const id = e.data.transaction_id ?? ''
      map.set(id, [...(map.get(id) ?? []), e.event])
    }
    const wrongOutcome: string[] = []
    for (const r of emulator.requests()) {
      if (r.endpoint !== 'stk_push' || (r.response.body as { ResponseCode?: string } | null)?.ResponseCode !== '0') continue
      const token = callbackTokenHash(new URL((r.request.body as { CallBackURL: string }).CallBackURL).pathname.split('/').pop()!)
      const daraja = emulator.transaction((r.response.body as { CheckoutRequestID: string }).CheckoutRequestID)
      const ours = byToken.get(token)
      if (!ours) wrongOutcome.push(`${(r.response.body as { CheckoutRequestID: string }).CheckoutRequestID}: Daraja took the push, the store has no transaction`)
      else if (daraja?.status === 'completed' && ours.status !== (daraja.result_code === 0 ? 'success' : 'failed')) {
        // Only an unconfirmed push (its answer and its callback both lost) may end failed while Daraja paid it.
        const unconfirmedPaid = ours.status === 'failed' && ours.checkout_request_id === null && ours.result_desc === UNCONFIRMED_PUSH_DESC
        if (!unconfirmedPaid) wrongOutcome.push(`${ours.id}: ${ours.status}, Daraja says ${daraja.result_code}`)
      }
    }
    expect(wrongOutcome, `payments whose state differs from Daraja's (seed ${seed})`).toEqual([])
    for (const t of doc.transactions) {
      const expected = t.status === 'pending' ? undefined : [t.status === 'success' ? 'payment.success' : 'payment.failed']
      expect(paymentEvents.get(t.id), `payment events of ${t.id}`).toEqual(expected)
    }

    // At most one B2C per payment; every payout success, failed with a business reason, or needs_attention.
    const b2cTaken = new Map<string, number>()
    for (const r of emulator.requests()) {
      if (r.endpoint !== 'b2c_v3' || (r.response.body as { ResponseCode?: string } | null)?.ResponseCode !== '0') continue
      const ocid = (r.request.body as { OriginatorConversationID: string }).OriginatorConversationID
      b2cTaken.set(ocid, (b2cTaken.get(ocid) ?? 0) + 1)
    }
    expect([...b2cTaken].filter(([, n]) => n > 1), 'payments paid out twice').toEqual([])
    const payouts = { success: 0, failed: 0, needs_attention: 0 }
    const badPayouts: string[] = []
    for (const t of doc.transactions) {
      if (!t.payout) continue
      const p = t.payout
      const taken = b2cTaken.get(p.originator_conversation_id ?? '') ?? 0
      if (p.status === 'success') {
        payouts.success++
        if (taken !== 1) badPayouts.push(`${t.id}: success without a B2C Daraja took`)
      } else if (p.status === 'failed') {
        payouts.failed++
        if (!p.result_desc || (p.result_code && TRANSIENT.test(p.result_code) && !/all \d+ attempts/.test(p.result_desc))) badPayouts.push(`${t.id}: failed without a business reason (${p.result_code} ${p.result_desc})`)
      } else if (p.status === 'needs_attention') payouts.needs_attention++
      else badPayouts.push(`${t.id}: payout ${p.status}`)
      const evs = payoutEvents.get(t.id) ?? []
      const expected = p.status === 'needs_attention' ? [] : [`payout.${p.status}`]
      if (JSON.stringify(evs) !== JSON.stringify(expected)) badPayouts.push(`${t.id}: payout events ${evs.join(',') || 'none'} for ${p.status}`)
    }
    expect(badPayouts, `payouts (seed ${seed})`).toEqual([])
    if (disk) expect(diskExits, 'mpg serve exit codes after each full disk').toEqual([1, 1])

    const unconfirmed = acked.map((id) => byId.get(id)!).filter((t) => t.result_desc === UNCONFIRMED_PUSH_DESC)
    const unconfirmedTaken = unconfirmed.filter((t) => takenTokens.has(t.callback_token))
    const lateSuccesses = unconfirmed.filter((t) => t.late_success).length
    const ackedFinal = acked.map((id) => byId.get(id)!)
    const pushesAccepted = [...pushes.values()].reduce((a, b) => a + b, 0)
    console.log(
      [
        `chaos (seed ${seed}, ${((Date.now() - started) / 1000).toFixed(1)} s): ${N} keys, ${acked.length} acknowledged, ${doc.transactions.length} transactions stored = ${N} (one per key) + ${released.length} released (Daraja refused or never got the push, key released, the retry made a new one; each failed, none taken by Daraja)`,
        `  Daraja pushes accepted: ${pushesAccepted} for ${pushes.size} keys (max per key ${Math.max(0, ...pushes.values())}); ${N - pushes.size} keys never reached Daraja`,
        `  acknowledged payments final: ${ackedFinal.filter((t) => t.status === 'success' || t.status === 'failed').length} of ${acked.length} (success ${ackedFinal.filter((t) => t.status === 'success').length}, failed ${ackedFinal.filter((t) => t.status === 'failed').length}); of the failed, unconfirmed pushes (answer and callback lost, failed after ${UNCONFIRMED_PUSH_TIMEOUT_S} s): ${unconfirmed.length} (${unconfirmedTaken.length} taken by Daraja, ${unconfirmed.length - unconfirmedTaken.length} never reached it; late successes recorded ${lateSuccesses})`,
        `  payment events: ${[...paymentEvents.values()].reduce((a, b) => a + b.length, 0)} for ${doc.transactions.length} final payments`,
        `  B2C taken by Daraja: ${[...b2cTaken.values()].reduce((a, b) => a + b, 0)} for ${b2cTaken.size} payouts (max per payment ${Math.max(0, ...b2cTaken.values())})`,
        `  payouts: success ${payouts.success}, failed ${payouts.failed}, needs_attention ${payouts.needs_attention}`,
        `  faults: disk full ${diskExits.length}× (exit codes ${diskExits.join(',') || '—'}), kill -9 1×, refused/failed requests retried by the client ${outage}, acknowledged before the kill ${ackedBeforeKill.length}, lost 0`,
      ].join('\n'),
    )
  })
})
