import type { TransactionRecord } from '../store/records.js'
import type { GatewayContext } from './context.js'

/** A payout lease outlasts a step: a token fetch and a B2C call (each up to DARAJA_TIMEOUT_MS), and its recording. */
export function payoutLeaseMs(darajaTimeoutMs: number): number {
  return darajaTimeoutMs * 2 + 30_000
}

/**
 * Runs one step of a payout while this process holds its lease (store.claimPayout), then gives
 * the lease back. Nothing runs when another process holds it, or this one runs a step already.
 * A process killed mid-step keeps the lease until it runs out; then any process takes the payout
 * again, and Daraja's OriginatorConversationID dedupe refuses a second B2C.
 */
export async function withPayoutLease(ctx: GatewayContext, transactionId: string, step: (current: TransactionRecord) => Promise<void>): Promise<void> {
  const busy = ctx.b2cInFlight
  if (busy.has(transactionId)) return
  busy.add(transactionId)
  try {
    const current = await ctx.store.claimPayout(transactionId, ctx.leaseOwner, payoutLeaseMs(ctx.config.darajaTimeoutMs))
    if (!current) return
    try {
      await step(current)
    } finally {
      await ctx.store.releasePayout(transactionId, ctx.leaseOwner)
    }
  } finally {
    busy.delete(transactionId)
  }
}
