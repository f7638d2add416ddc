import { z } from 'zod'
import type { AccountRecord, PayoutAccount } from '../store/records.js'
import type { Store } from '../store/store.js'
import { newId } from '../utils/ids.js'
import { phoneSchema } from '../utils/phone.js'
import { boundedText } from '../schemas/text.js'

const shortcodeNumber = (name: string) => z.string().trim().regex(/^\d{5,8}$/, `${name} must be 5–8 digits`)
const accountNumber = boundedText('account_number', 40)

export const payoutAccountSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('mpesa'), phone: phoneSchema }).strict(),
    z.object({ type: z.literal('paybill'), paybill: shortcodeNumber('paybill'), account_number: accountNumber }).strict(),
    z.object({ type: z.literal('till'), till: shortcodeNumber('till') }).strict(),
    z
      .object({
        type: z.literal('bank'),
        bank: boundedText('bank', 60),
        account_number: accountNumber,
      })
      .strict(),
  ],
  { error: 'payout_account.type must be mpesa, paybill, till or bank' },
)

export const createAccountSchema = z
  .object({
    name: boundedText('name', 100),
    payout_account: payoutAccountSchema.nullable().optional(),
  })
  .strict()

export type CreateAccountInput = z.infer<typeof createAccountSchema>

export async function createAccount(store: Store, input: CreateAccountInput): Promise<AccountRecord> {
  const account: AccountRecord = {
    id: newId('acct'),
    name: input.name,
    payout_account: (input.payout_account ?? null) as PayoutAccount | null,
    created_at: new Date().toISOString(),
  }
  await store.createAccount(account)
  return account
}
