/**
 * Every documented operation of the merchant and admin API: its request (the zod schemas the
 * routes validate with) and every answer it gives. Daraja's callback paths and the dashboard's
 * files are not part of this API and are left out.
 */
import type { z } from 'zod'
import { createAccountSchema } from '../../core/accounts.js'
import { listTransactionsQuerySchema, stkPushBodySchema, stkPushResponseSchema, transactionEnvelopeSchema, transactionListSchema } from '../../schemas/gateway.js'
import { createWebhookBodySchema, listDeliveriesQuerySchema, streamQuerySchema } from '../../schemas/webhooks.js'
import { createApiKeyBodySchema, listPayoutsQuerySchema, settlePayoutBodySchema } from '../../schemas/admin.js'
import { reconcileBodySchema, reconcileReportSchema } from '../../schemas/reconcile.js'
import { roundSummarySchema } from '../../schemas/round.js'
import * as answers from './answers.js'

export type Auth = 'key' | 'admin' | 'cron' | 'none'

/** One answer: a named schema (a component) for JSON, or a media type with a plain description. */
export interface Answer {
  description: string
  schema?: string
  /** Defaults to application/json. */
  contentType?: string
  /** Response header names (see HEADERS in document.ts). */
  headers?: string[]
}

export interface Operation {
  method: 'get' | 'post' | 'delete'
  /** OpenAPI form: `/api/v1/transactions/{id}`. */
  path: string
  operationId: string
  tag: 'Payments' | 'Webhooks' | 'Events' | 'Admin' | 'Gateway'
  summary: string
  description?: string
  auth: Auth
  pathParams?: Record<string, string>
  query?: z.ZodObject
  body?: { schema: z.ZodType; required: boolean; example?: unknown }
  idempotencyKey?: boolean
  responses: Record<string, Answer>
}

/** The named response schemas, published under components.schemas. */
export const COMPONENTS: Record<string, z.ZodType> = {
  Error: answers.errorBodySchema,
  Health: answers.healthSchema,
  StkPushResult: stkPushResponseSchema,
  TransactionEnvelope: transactionEnvelopeSchema,
  TransactionList: transactionListSchema,
  TransactionEventList: answers.transactionEventListSchema,
  WhoAmI: answers.whoAmISchema,
  WebhookEndpoint: answers.webhookEndpointSchema,
  CreatedWebhookEndpoint: answers.createdWebhookEndpointSchema,
  WebhookEndpointList: answers.webhookEndpointListSchema,
  WebhookDelivery: answers.webhookDeliverySchema,
  WebhookDeliveryList: answers.webhookDeliveryListSchema,
  Account: answers.accountSchema,
  AccountList: answers.accountListSchema,
  ApiKey: answers.apiKeySchema,
  CreatedApiKey: answers.createdApiKeySchema,
  ApiKeyList: answers.apiKeyListSchema,
  PayoutList: answers.payoutListSchema,
  ReconcileReport: reconcileReportSchema,
  RoundSummary: roundSummarySchema,
}

const error = (description: string, headers?: string[]): Answer => ({ description, schema: 'Error', ...(headers ? { headers } : {}) })
const RATE = ['RateLimit-Policy', 'RateLimit']

/** Answers every API-key operation can give. */
const keyErrors: Record<string, Answer> = {
  '400': error('Validation failed, or the key\'s mode (test/live) is not this gateway\'s.', RATE),
  '401': error('Missing, malformed, unknown or revoked API key.'),
  '429': error('A rate limit is spent: wait Retry-After seconds.', ['Retry-After', ...RATE]),
  '500': error('Internal error (the detail carries a request id), or a server misconfiguration such as PUBLIC_SITE_URL not set.', RATE),
  '503': error('Storage unavailable or the gateway is stopping; retry after Retry-After seconds.', ['Retry-After', ...RATE]),
}
const adminErrors: Record<string, Answer> = {
  '400': error('Validation failed.'),
  '401': error('Missing or wrong admin token.'),
  '500': error('Internal error (the detail carries a request id).'),
  '503': error('Storage unavailable or the gateway is stopping.', ['Retry-After']),
}
/** Answers of operations that read a JSON body. */
const bodyErrors: Record<string, Answer> = {
  '413': error('The body is larger than 16 KiB.'),
  '415': error('The body is not sent as `Content-Type: application/json`.'),
}
const ok = (schema: string, description: string, headers: string[] = []): Answer => ({ schema, description, headers })

export const OPERATIONS: Operation[] = [
  {
    method: 'get', path: '/health', operationId: 'health', tag: 'Gateway', auth: 'none',
    summary: 'Liveness and store reachability (for load balancers and supervisors)',
    responses: {
      '200': ok('Health', 'The gateway and its store answer.'),
      '503': ok('Health', 'The store failed or does not answer; `error`, `hint` and `detail` say why.'),
    },
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'openapi', tag: 'Gateway', auth: 'none',
    summary: 'This document',
    responses: { '200': { description: 'The OpenAPI 3.1 document of the merchant and admin API.' } },
  },
  {
    method: 'post', path: '/api/v1/stk-push', operationId: 'stkPush', tag: 'Payments', auth: 'key',
    summary: 'Send an STK Push prompt to the customer\'s phone',
    description:
      'Funds settle to the platform shortcode. When the account\'s payout account is an M-Pesa phone the net amount is paid out by B2C; Paybill, Till and Bank payouts are queued for manual settlement (`payout.pending_manual`). A repeated Idempotency-Key within 24 h replays the first answer with `Idempotent-Replayed: true`.',
    idempotencyKey: true,
    body: { schema: stkPushBodySchema, required: true, example: { amount: 100, phone: '254712345678', reference: 'ORDER-1234', description: 'T-shirt' } },
    responses: {
      '200': ok('StkPushResult', 'A replay of a created payment (same Idempotency-Key and body).', ['Idempotent-Replayed', ...RATE]),
      '201': ok('StkPushResult', 'The prompt was sent; the transaction is pending.', RATE),
      ...keyErrors,
      '400': error('Validation failed (amount, phone, reference, description, Idempotency-Key), no payout account, or test/live mode mismatch. A replayed error carries Idempotent-Replayed.', ['Idempotent-Replayed', ...RATE]),
      '409': error('The first request with this Idempotency-Key is still in progress: retry after Retry-After seconds to get its answer.', ['Retry-After', 'Idempotent-Replayed', ...RATE]),
      '422': error('The Idempotency-Key was first used with a different body: use a new key for a different request.', ['Idempotent-Replayed', ...RATE]),
      ...bodyErrors,
      '502': error('Daraja refused or failed the STK Push (credentials, shortcode, upstream error).', ['Idempotent-Replayed', ...RATE]),
    },
  },
  {
    method: 'get', path: '/api/v1/transactions', operationId: 'listTransactions', tag: 'Payments', auth: 'key',
    summary: 'List transactions, newest first',
    query: listTransactionsQuerySchema,
    responses: { '200': ok('TransactionList', 'One page; pass `next_cursor` as `starting_after` for the next.', RATE), ...keyErrors },
  },
  {
    method: 'get', path: '/api/v1/transactions/{id}', operationId: 'getTransaction', tag: 'Payments', auth: 'key',
    summary: 'Get one transaction (poll this while the customer answers the prompt)',
    pathParams: { id: 'The transaction id (`transaction_id` of the STK Push answer).' },
    responses: { '200': ok('TransactionEnvelope', 'The transaction: pending → success | failed.', RATE), ...keyErrors, '404': error('No such transaction for this account and mode.', RATE) },
  },
  {
    method: 'get', path: '/api/v1/transactions/{id}/events', operationId: 'listTransactionEvents', tag: 'Payments', auth: 'key',
    summary: 'The events of one transaction with their webhook deliveries (its timeline)',
    pathParams: { id: 'The transaction id.' },
    responses: { '200': ok('TransactionEventList', 'Events oldest first, each with its deliveries and their attempts.', RATE), ...keyErrors, '404': error('No such transaction for this account and mode.', RATE) },
  },
  {
    method: 'get', path: '/api/v1/account', operationId: 'whoAmI', tag: 'Payments', auth: 'key',
    summary: 'The account and mode of the API key',
    responses: { '200': ok('WhoAmI', 'The key\'s account, mode and key id.', RATE), ...keyErrors },
  },
  {
    method: 'post', path: '/api/v1/webhooks', operationId: 'createWebhookEndpoint', tag: 'Webhooks', auth: 'key',
    summary: 'Register a webhook endpoint (its secret is shown only in this answer)',
    body: { schema: createWebhookBodySchema, required: true, example: { url: 'https://example.com/webhooks/mpesa', events: ['payment.success', 'payment.failed'] } },
    responses: {
      '201': ok('CreatedWebhookEndpoint', 'The endpoint with its `whsec_…` secret (shown once).', RATE),
      ...keyErrors,
      '400': error('Validation failed, the URL is not allowed (private address, not https in live mode), or test/live mode mismatch.', RATE),
      '409': error('The account already has the most endpoints a mode may have: remove one first.', RATE),
      ...bodyErrors,
    },
  },
  {
    method: 'get', path: '/api/v1/webhooks', operationId: 'listWebhookEndpoints', tag: 'Webhooks', auth: 'key',
    summary: 'List webhook endpoints',
    responses: { '200': ok('WebhookEndpointList', 'The endpoints of this account and mode.', RATE), ...keyErrors },
  },
  {
    method: 'delete', path: '/api/v1/webhooks/{id}', operationId: 'deleteWebhookEndpoint', tag: 'Webhooks', auth: 'key',
    summary: 'Remove a webhook endpoint',
    pathParams: { id: 'The endpoint id.' },
    responses: { '200': ok('WebhookEndpoint', 'The removed endpoint (`deleted_at` set).', RATE), ...keyErrors, '404': error('No such endpoint for this account and mode.', RATE) },
  },
  {
    method: 'post', path: '/api/v1/webhooks/{id}/enable', operationId: 'enableWebhookEndpoint', tag: 'Webhooks', auth: 'key',
    summary: 'Re-enable an endpoint that was disabled after failing too long',
    pathParams: { id: 'The endpoint id.' },
    responses: { '200': ok('WebhookEndpoint', 'The endpoint, enabled.', RATE), ...keyErrors, '404': error('No such endpoint for this account and mode.', RATE) },
  },
  {
    method: 'get', path: '/api/v1/webhooks/{id}/deliveries', operationId: 'listWebhookDeliveries', tag: 'Webhooks', auth: 'key',
    summary: 'The delivery log of an endpoint, newest first',
    pathParams: { id: 'The endpoint id.' },
    query: listDeliveriesQuerySchema,
    responses: {
      '200': ok('WebhookDeliveryList', 'One page of deliveries with every attempt; pass `next_cursor` as `starting_after` for the next.', RATE),
      ...keyErrors,
      '404': error('No such endpoint for this account and mode.', RATE),
    },
  },
  {
    method: 'post', path: '/api/v1/webhook-deliveries/{id}/resend', operationId: 'resendWebhookDelivery', tag: 'Webhooks', auth: 'key',
    summary: 'Send a delivery again',
    pathParams: { id: 'The delivery id.' },
    responses: {
      '202': ok('WebhookDelivery', 'Queued: the delivery is pending again.', RATE),
      ...keyErrors,
      '404': error('No such delivery for this account and mode.', RATE),
      '409': error('The delivery is already pending, or its endpoint was removed or is disabled.', RATE),
    },
  },
  {
    method: 'get', path: '/api/v1/events/stream', operationId: 'streamEvents', tag: 'Events', auth: 'key',
    summary: 'Server-sent events: every event of this account and mode as it happens',
    description:
      'A `text/event-stream`: each message has `id: evt_…`, `event: <type>` and `data: {id, event, created_at, data}` (the webhook body, see `webhooks`). Comment lines keep the connection open. Resume after a disconnect with the `Last-Event-ID` header (or `?last_event_id=`).',
    query: streamQuerySchema,
    responses: {
      '200': { description: 'The stream; it stays open until the client leaves or the key is revoked.', contentType: 'text/event-stream', headers: RATE },
      ...keyErrors,
      '400': error('Unknown Last-Event-ID, an unknown event type in `events`, or test/live mode mismatch.', RATE),
      '429': error('Too many streams open with this key, or a rate limit is spent.', ['Retry-After', ...RATE]),
    },
  },
  {
    method: 'post', path: '/api/v1/admin/accounts', operationId: 'createAccount', tag: 'Admin', auth: 'admin',
    summary: 'Create a merchant account',
    body: { schema: createAccountSchema, required: true, example: { name: 'Acme Ltd', payout_account: { type: 'mpesa', phone: '254712345678' } } },
    responses: { '201': ok('Account', 'The account.'), ...adminErrors, ...bodyErrors },
  },
  {
    method: 'get', path: '/api/v1/admin/accounts', operationId: 'listAccounts', tag: 'Admin', auth: 'admin',
    summary: 'List merchant accounts',
    responses: { '200': ok('AccountList', 'Every account.'), ...adminErrors },
  },
  {
    method: 'post', path: '/api/v1/admin/keys', operationId: 'createApiKey', tag: 'Admin', auth: 'admin',
    summary: 'Create an API key (the key is shown only in this answer)',
    body: { schema: createApiKeyBodySchema, required: true, example: { account_id: 'acct_…', mode: 'test', name: 'checkout' } },
    responses: { '201': ok('CreatedApiKey', 'The key record with `key` (shown once).'), ...adminErrors, '404': error('No such account.'), ...bodyErrors },
  },
  {
    method: 'get', path: '/api/v1/admin/keys', operationId: 'listApiKeys', tag: 'Admin', auth: 'admin',
    summary: 'List API keys (never the keys themselves)',
    responses: { '200': ok('ApiKeyList', 'Every key record.'), ...adminErrors },
  },
  {
    method: 'post', path: '/api/v1/admin/keys/{id}/revoke', operationId: 'revokeApiKey', tag: 'Admin', auth: 'admin',
    summary: 'Revoke an API key (its open event streams end)',
    pathParams: { id: 'The key id.' },
    responses: { '200': ok('ApiKey', 'The revoked key record.'), ...adminErrors, '404': error('No such key.') },
  },
  {
    method: 'get', path: '/api/v1/admin/payouts', operationId: 'listPayouts', tag: 'Admin', auth: 'admin',
    summary: 'Payouts by status across accounts, oldest first (`needs_attention` is the work list)',
    query: listPayoutsQuerySchema,
    responses: { '200': ok('PayoutList', 'Transactions with their payout.'), ...adminErrors },
  },
  {
    method: 'post', path: '/api/v1/admin/payouts/{transactionId}/settle', operationId: 'settlePayout', tag: 'Admin', auth: 'admin',
    summary: 'Mark a manual (or needs-attention) payout as settled',
    pathParams: { transactionId: 'The transaction whose payout a person completed.' },
    body: { schema: settlePayoutBodySchema, required: false, example: { mpesa_receipt: 'UJT1234567' } },
    responses: {
      '200': ok('TransactionEnvelope', 'The transaction with its payout settled.'),
      ...adminErrors,
      '404': error('No such transaction, or it has no payout.'),
      '409': error('The payout is not waiting for a person (already settled, or paid by B2C).'),
      ...bodyErrors,
    },
  },
  {
    method: 'post', path: '/api/v1/admin/reconcile', operationId: 'reconcile', tag: 'Admin', auth: 'admin',
    summary: 'Ask Daraja about every payment and payout of a period and list the disagreements',
    description:
      'STK Query for each payment, Transaction Status for each B2C payout (answered asynchronously; the run waits up to 15 s for them). ' +
      '`fix` settles what Daraja proves through the same path a callback takes (one event, one payout at most); `force` also corrects final states where no money can move twice. ' +
      'Payouts are never reversed or re-sent.',
    body: { schema: reconcileBodySchema, required: false, example: { since: '24h', fix: true } },
    responses: { '200': ok('ReconcileReport', 'Disagreements, each with what was done about it.'), ...adminErrors, ...bodyErrors },
  },
  ...(['post', 'get'] as const).map(
    (method): Operation => ({
      method, path: '/api/v1/cron/tick', operationId: method === 'post' ? 'cronTick' : 'cronTickGet', tag: 'Gateway', auth: 'cron',
      summary: method === 'post' ? 'Run one bounded round of background work (for a scheduler)' : 'The same round, for schedulers that only send GET (Vercel cron jobs)',
      description:
        'For a gateway deployed as a fetch handler (serverless), which runs no timers: delivers due webhooks (at most MPG_CRON_DELIVERIES), sends due B2C payouts and asks about late payout results, and, when this round holds the leadership, reconciles pending payments and prunes expired Idempotency-Keys. Safe to run concurrently: deliveries and payouts are leased one by one, and leader work runs on one instance at a time. Guarded by `Authorization: Bearer <MPG_CRON_SECRET>`.',
      responses: {
        '200': ok('RoundSummary', 'What the round did.'),
        '401': error('Missing or wrong cron secret.'),
        '500': error('Internal error (the detail carries a request id).'),
        '503': error('MPG_CRON_SECRET is not set on the gateway (the route is off), or storage is unavailable.', ['Retry-After']),
      },
    }),
  ),
]
