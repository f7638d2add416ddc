import type { SettingsInput } from '../cli/settings.js'
import type { Transaction } from '../schemas/gateway.js'
import { connect } from './connect.js'

/** `mpg transactions get`: one transaction of the key's account and mode. */
export async function getTransactionService(flags: SettingsInput['flags'], id: string): Promise<Transaction> {
  return connect(flags).getTransaction(id)
}
