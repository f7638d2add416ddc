import { z } from 'zod'
import { transactionEnvelopeSchema } from '../schemas/gateway-responses.js'
import { accountSchema, apiKeySchema, createdApiKeySchema, payoutListSchema, PAYOUT_STATUSES, type PayoutStatus } from '../schemas/admin.js'
export { accountSchema, apiKeySchema, createdApiKeySchema, payoutListSchema, PAYOUT_STATUSES }
export type { Account, ApiKey, PayoutList, PayoutStatus } from '../schemas/admin.js'
import { reconcileReportSchema, type ReconcileReport } from '../schemas/reconcile.js'
export { reconcileReportSchema }
export type { ReconcileItem, ReconcileReport } from '../schemas/reconcile.js'
import type { GatewayClient } from './gateway-client.js'

export type PayoutAccountInput =
  | { type: 'mpesa'; phone: string }
  | { type: 'paybill'; paybill: string; account_number: string }
  | { type: 'till'; till: string }
  | { type: 'bank'; bank: string; account_number: string }

/** The admin half of the gateway API (accounts, keys, payouts a person finishes). */
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
  /** A manual payout paid by hand, or a `needs_attention` B2C checked on the statement (its receipt, when found). */
  async settlePayout(client: GatewayClient, transactionId: string, input: { mpesa_receipt?: string } = {}) {
    const path = `/api/v1/admin/payouts/${encodeURIComponent(transactionId)}/settle`
    const json = input.mpesa_receipt ? { mpesa_receipt: input.mpesa_receipt } : undefined
    return (await client.call({ method: 'POST', path, json, schema: transactionEnvelopeSchema, auth: 'admin' })).data.transaction
  },
  async listPayouts(client: GatewayClient, query: { status: PayoutStatus; limit?: number }) {
    const params = new URLSearchParams({ status: query.status })
    if (query.limit !== undefined) params.set('limit', String(query.limit))
    return (await client.call({ method: 'GET', path: `/api/v1/admin/payouts?${params}`, schema: payoutListSchema, auth: 'admin' })).data
  },
  /** Asks Daraja about the period's payments and payouts (a run can take minutes: it waits for Daraja, at a pace Daraja accepts). */
  async reconcile(client: GatewayClient, input: { since?: string; fix?: boolean; force?: boolean; limit?: number } = {}): Promise<ReconcileReport> {
    return (await client.call({ method: 'POST', path: '/api/v1/admin/reconcile', json: input, schema: reconcileReportSchema, auth: 'admin', timeoutMs: 15 * 60_000 })).data
  },
}
