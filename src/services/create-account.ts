import { admin, type PayoutAccountInput } from '../client/admin.js'
import { MpgError } from '../errors.js'
import type { GatewayClient } from '../client/gateway-client.js'

export interface PayoutChoice {
  'payout-mpesa'?: string
  'payout-paybill'?: string
  'payout-till'?: string
  'payout-bank'?: string
  'account-number'?: string
}

/** Exactly one payout choice, with an account number where the type needs one. */
export function payoutAccountFrom(choice: PayoutChoice): PayoutAccountInput {
  const chosen = (['payout-mpesa', 'payout-paybill', 'payout-till', 'payout-bank'] as const).filter((k) => choice[k] !== undefined)
  if (chosen.length !== 1) {
    throw new MpgError('usage', chosen.length === 0 ? 'Choose a payout account.' : `Choose one payout account, not ${chosen.map((c) => `--${c}`).join(' and ')}.`, {
      suggestion: 'Pass one of --payout-mpesa <phone>, --payout-paybill <n> --account-number <x>, --payout-till <n>, --payout-bank <name> --account-number <x>.',
    })
  }
  const needsAccountNumber = chosen[0] === 'payout-paybill' || chosen[0] === 'payout-bank'
  if (needsAccountNumber && !choice['account-number']) {
    throw new MpgError('usage', `--${chosen[0]} needs --account-number.`, { suggestion: `Add --account-number <x> to --${chosen[0]}.` })
  }
  if (!needsAccountNumber && choice['account-number']) {
    throw new MpgError('usage', `--account-number goes with --payout-paybill or --payout-bank, not --${chosen[0]}.`, { suggestion: 'Drop --account-number.' })
  }
  switch (chosen[0]) {
    case 'payout-mpesa':
      return { type: 'mpesa', phone: choice['payout-mpesa']! }
    case 'payout-paybill':
      return { type: 'paybill', paybill: choice['payout-paybill']!, account_number: choice['account-number']! }
    case 'payout-till':
      return { type: 'till', till: choice['payout-till']! }
    default:
      return { type: 'bank', bank: choice['payout-bank']!, account_number: choice['account-number']! }
  }
}

export async function createAccountService(client: GatewayClient, input: { name: string; payout: PayoutChoice }) {
  const payout_account = payoutAccountFrom(input.payout)
  const account = await admin.createAccount(client, { name: input.name, payout_account })
  return { id: account.id, name: account.name, payout_account: account.payout_account }
}
