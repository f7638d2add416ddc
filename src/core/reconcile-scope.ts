import type { TransactionRecord } from '../store/records.js'
import type { GatewayContext } from './context.js'

const PAGE = 200

/**
 * Every transaction created at or after `since`, of every account and mode, newest first, at most
 * `limit` (`truncated` says more were there). Read through the store's paged listing, which every
 * engine has, so no engine needs a query of its own.
 */
export async function transactionsSince(ctx: GatewayContext, since: string, limit: number): Promise<{ transactions: TransactionRecord[]; truncated: boolean }> {
  const found: TransactionRecord[] = []
  let truncated = false
  for (const account of await ctx.store.listAccounts()) {
    for (const mode of ['test', 'live'] as const) {
      let cursor: string | undefined
      for (;;) {
        const page = await ctx.store.listTransactions({ account_id: account.id, mode, limit: PAGE, starting_after: cursor })
        const recent = page.data.filter((t) => t.created_at >= since)
        found.push(...recent)
        if (!page.has_more || recent.length < page.data.length || page.data.length === 0) break
        cursor = page.data[page.data.length - 1].id
      }
    }
  }
  found.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0))
  if (found.length > limit) {
    truncated = true
    found.length = limit
  }
  return { transactions: found, truncated }
}
