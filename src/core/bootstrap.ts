import type { Mode } from '../store/records.js'
import type { Store } from '../store/store.js'
import { SANDBOX_TEST_MSISDN } from '../schemas/daraja.js'
import { createAccount } from './accounts.js'
import { createApiKey } from './api-keys.js'

export interface Bootstrap {
  account_id: string
  key_id: string
  /** Shown once, on the first start. */
  key: string
  mode: Mode
}

/** First start on an empty store: a default account paying out to the sandbox phone, and one key. */
export async function bootstrapIfEmpty(store: Store, mode: Mode): Promise<Bootstrap | undefined> {
  if ((await store.listAccounts()).length > 0) return undefined
  const account = await createAccount(store, { name: 'Default account', payout_account: { type: 'mpesa', phone: SANDBOX_TEST_MSISDN } })
  const created = await createApiKey(store, { accountId: account.id, mode, name: 'bootstrap' })
  return { account_id: account.id, key_id: created.record.id, key: created.key, mode }
}
