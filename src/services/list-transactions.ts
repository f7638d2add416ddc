import type { SettingsInput } from '../cli/settings.js'
import type { Transaction } from '../schemas/gateway.js'
import { connect } from './connect.js'

export interface ListTransactionsInput {
  status?: 'pending' | 'success' | 'failed'
  limit?: number
  startingAfter?: string
}

/** `mpg transactions list`: newest first, one page. */
export async function listTransactionsService(
  flags: SettingsInput['flags'],
  input: ListTransactionsInput,
): Promise<{ data: Transaction[]; has_more: boolean; next_cursor: string | null }> {
  return connect(flags).listTransactions({ status: input.status, limit: input.limit, starting_after: input.startingAfter })
}
