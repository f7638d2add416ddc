import { z } from 'zod'
import { transactionEnvelopeSchema } from '../schemas/gateway.js'
import type { GatewayClient } from './gateway-client.js'

export const accountSchema = z.object({
  id: z.string(),
  name: z.string(),
  payout_account: z.record(z.string(), z.unknown()).nullable(),
  created_at: z.string(),
})
export type Account = z.infer<typeof accountSchema>

export const apiKeySchema = z.object({
  id: z.string(),
  account_id: z.string(),
  mode: z.enum(['test', 'live']),
  name: z.string().nullable(),
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  status: z.enum(['active', 'revoked']),
})
export type ApiKey = z.infer<typeof apiKeySchema>
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string() })

export type PayoutAccountInput =
  | { type: 'mpesa'; phone: string }
  | { type: 'paybill'; paybill: string; account_number: string }
  | { type: 'till'; till: string }
  | { type: 'bank'; bank: string; account_number: string }

/** The admin half of the gateway API (accounts, keys, manual payouts). */
export const admin = {
  async createAccount(client: GatewayClient, input: { name: string; payout_account: PayoutAccountInput | null }) {
    return (await client.call({ method: 'POST', path: '/api/v1/admin/accounts', json: input, schema: accountSchema, auth: 'admin' })).data
  },
  async listAccounts(client: GatewayClient) {
    return (await client.call({ method: 'GET', path: '/api/v1/admin/accounts', schema: z.object({ data: z.array(accountSchema) }), auth: 'admin' })).data.data
  },
  async createKey(client: GatewayClient, input: { account_id: string; mode: 'test' | 'live'; name?: string }) {
    return (await client.call({ method: 'POST', path: '/api/v1/admin/keys', json: input, schema: createdApiKeySchema, auth: 'admin' })).data
  },
  async listKeys(client: GatewayClient) {
    return (await client.call({ method: 'GET', path: '/api/v1/admin/keys', schema: z.object({ data: z.array(apiKeySchema) }), auth: 'admin' })).data.data
  },
  async revokeKey(client: GatewayClient, id: string) {
    return (await client.call({ method: 'POST', path: `/api/v1/admin/keys/${encodeURIComponent(id)}/revoke`, schema: apiKeySchema, auth: 'admin' })).data
  },
  async settlePayout(client: GatewayClient, transactionId: string) {
    return (
      await client.call({ method: 'POST', path: `/api/v1/admin/payouts/${encodeURIComponent(transactionId)}/settle`, schema: transactionEnvelopeSchema, auth: 'admin' })
    ).data.transaction
  },
}
