import { isVirtualClock } from '../utils/virtual-clock.js'
import type { GatewayContext } from './context.js'

/**
 * How long Daraja's ack of a B2C waits to be stored with the B2C's result. Most results come
 * within it (the emulator's after ~100 ms), and then the payout takes one write instead of two:
 * the ack's fields go into the result's write. Past it the ack is stored on its own, as always.
 */
export const ACK_WAITS_FOR_RESULT_MS = 1000

/** What storing an ack sets on its payout (payouts.ts writes it alone; a result writes it along). */
export interface TakenFields {
  attempt: number
  conversationId: string
}

interface PendingAck extends TakenFields {
  timer: NodeJS.Timeout
  /** Stores the ack alone (the lease is still held), then lets the payout's step end. */
  storeAlone: () => Promise<void>
  /** Lets the payout's step end (its lease is given back) once the ack is stored, either way. */
  stored: () => void
}

/** Acks not stored yet, per store (one gateway process per lowdb file), by transaction id. */
const pendingByStore = new WeakMap<object, Map<string, PendingAck>>()

function pendingOf(ctx: GatewayContext): Map<string, PendingAck> {
  let pending = pendingByStore.get(ctx.store)
  if (!pending) pendingByStore.set(ctx.store, (pending = new Map()))
  return pending
}

/**
 * Whether an ack may wait for its result: only in one long-running process that owns its store
 * (a result that reaches another instance of a shared database could not take the ack along), on
 * the machine's clock (a virtual clock's advance waits for the payout step), never serverless (a
 * frozen function runs no timer).
 */
function mayWait(ctx: GatewayContext): boolean {
  return !ctx.store.shared && !ctx.serverless && !isVirtualClock(ctx.clock)
}

/**
 * Stores Daraja's ack of a B2C (`storeAlone`) — at once, or, where it may wait, with the B2C's
 * result if that arrives within ACK_WAITS_FOR_RESULT_MS, else alone then. Resolves once the ack is
 * stored either way; the caller holds the payout's lease until then, so no other step (a resend, a
 * status check) runs on the payout meanwhile. Nothing is answered or sent from the ack before it
 * is stored: a crash in between leaves the payout as it was before the B2C (the next start sends
 * it again, and Daraja refuses the duplicate OriginatorConversationID; its first result settles
 * the payout, or the status check does).
 */
export function storeAck(ctx: GatewayContext, taken: TakenFields, transactionId: string, storeAlone: () => Promise<void>): Promise<void> {
  if (!mayWait(ctx)) return storeAlone()
  const pending = pendingOf(ctx)
  pending.get(transactionId)?.storeAlone().catch(() => undefined)
  return new Promise<void>((resolve, reject) => {
    // A literal, not a spread of `taken` that adds fields (V8's slow path), once per payout.
    const ack: PendingAck = {
      attempt: taken.attempt,
      conversationId: taken.conversationId,
      timer: setTimeout(() => void ack.storeAlone().catch(() => undefined), ACK_WAITS_FOR_RESULT_MS),
      storeAlone: () => {
        // Once: whoever comes first (the timer, a shutdown) stores it; a result takes it instead.
        if (pending.get(transactionId) !== ack) return Promise.resolve()
        pending.delete(transactionId)
        clearTimeout(ack.timer)
        const done = storeAlone()
        done.then(resolve, reject)
        return done
      },
      stored: () => {
        if (pending.get(transactionId) === ack) pending.delete(transactionId)
        clearTimeout(ack.timer)
        resolve()
      },
    }
    ack.timer.unref()
    pending.set(transactionId, ack)
  })
}

/**
 * The ack waiting to be stored with this payout's result, if any: the caller stores its fields in
 * the result's write, started in the same synchronous step, then calls `stored` (or, when that
 * write did not happen, `storeAlone`).
 */
export function ackAwaitingResult(ctx: GatewayContext, transactionId: string): { taken: TakenFields; stored: () => void; storeAlone: () => Promise<void> } | undefined {
  const ack = pendingByStore.get(ctx.store)?.get(transactionId)
  return ack && { taken: { attempt: ack.attempt, conversationId: ack.conversationId }, stored: ack.stored, storeAlone: ack.storeAlone }
}

/** Stores every ack still waiting (the gateway stops: no result will reach this process now). */
export async function storeWaitingAcks(ctx: GatewayContext): Promise<void> {
  const pending = pendingByStore.get(ctx.store)
  if (!pending) return
  await Promise.allSettled([...pending.values()].map((ack) => ack.storeAlone()))
}
