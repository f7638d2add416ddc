import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as library from '../src/index.js'
import * as emulator from '../emulator/index.js'
import { repoRoot } from './helpers/run-cli.js'

/**
 * The public surface, written out: adding, removing or renaming an export, a command or a flag
 * must show up as a change to this file.
 */
describe('public surface', () => {
  it('mpesa-gateway exports', () => {
    expect(Object.keys(library).sort()).toEqual([
      'GatewayApiError',
      'GatewayClient',
      'MpgError',
      'WebhookSignatureError',
      'admin',
      'createFetchHandler',
      'createGateway',
      'createVirtualClock',
      'createWebhookBodySchema',
      'createdWebhookEndpointSchema',
      'daraja',
      'deliveryAttemptSchema',
      'errorBodySchema',
      'eventTypeSchema',
      'explainWebhookSignature',
      'idempotencyKeySchema',
      'listTransactionsQuerySchema',
      'normalizePhone',
      'parseSse',
      'payoutViewSchema',
      'roundSummarySchema',
      'splitFee',
      'stkPushBodySchema',
      'stkPushResponseSchema',
      'transactionEnvelopeSchema',
      'transactionListSchema',
      'transactionSchema',
      'verifyWebhookSignature',
      'webhookDeliverySchema',
      'webhookEndpointSchema',
      'webhookEventSchema',
      'webhooks',
    ])
  })

  it('mpesa-gateway/emulator exports', () => {
    expect(Object.keys(emulator).sort()).toEqual([
      'B2C_OUTCOMES',
      'B2C_TEST_NUMBERS',
      'ControlError',
      'DEFAULT_CONSUMER_KEY',
      'DEFAULT_CONSUMER_SECRET',
      'DEFAULT_EMULATOR_PORT',
      'DEFAULT_RACE_DELAY_MS',
      'DEFAULT_SECURITY_CREDENTIAL',
      'RACE_NAMES',
      'STK_OUTCOMES',
      'STK_TEST_NUMBERS',
      'credentialsWire',
      'startEmulator',
    ])
  })

  it('package.json exports map both entry points to the built files', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
    expect(pkg.exports['.'].default).toBe('./dist/src/index.js')
    expect(pkg.exports['./emulator'].default).toBe('./dist/emulator/index.js')
    expect(pkg.bin).toEqual({ mpg: './bin/run.js' })
  })

  it('commands and their flags', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, unknown> }>
    }
    const surface = Object.fromEntries(
      Object.entries(manifest.commands)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, c]) => [id, Object.keys(c.flags).sort().join(' ')]),
    )
    // Every command has the global flags color, json, log-level and profile.
    expect(surface).toEqual({
      'accounts:create': 'account-number admin-token base-url color data-dir json log-level name payout-bank payout-mpesa payout-paybill payout-till profile',
      'accounts:list': 'admin-token base-url color data-dir json log-level profile',
      'config:set': 'admin-token api-key base-url color data-dir json log-level profile',
      'config:show': 'admin-token api-key base-url color data-dir json log-level profile',
      'config:unset': 'color json log-level profile',
      dashboard: 'base-url color json log-level open profile',
      'db:export': 'color data-dir database-url force json log-level profile',
      'db:import': 'color data-dir database-url force json log-level profile',
      'db:migrate': 'color database-url json log-level profile',
      'db:status': 'color database-url json log-level profile',
      'emulator:clock:advance': 'base-url color emulator-url json log-level profile',
      'emulator:resolve': 'base-url color emulator-url json log-level profile result-code',
      'emulator:scenario': 'base-url color delay-ms emulator-url json log-level phone profile',
      'emulator:start': 'callback-delay-ms color consumer-key consumer-secret host json log-level passkey port profile shortcode token-ttl-s',
      get: 'admin admin-token api-key base-url color data-dir json log-level profile',
      'keys:create': 'account admin-token base-url color data-dir json log-level mode name profile',
      'keys:list': 'admin-token base-url color data-dir json log-level profile',
      'keys:revoke': 'admin-token base-url color data-dir json log-level profile',
      listen: 'api-key base-url color events forward-to json log-level print-response print-secret profile secret',
      logout: 'color json log-level profile',
      'payouts:list': 'admin-token base-url color data-dir json limit log-level profile status',
      'payouts:settle': 'admin-token base-url color data-dir json log-level mpesa-receipt profile',
      post: 'admin admin-token api-key base-url body color data data-dir idempotency-key json log-level profile',
      reconcile: 'admin-token base-url color data-dir fix force json limit log-level profile since',
      serve: 'color data-dir database-url host json log-level port profile',
      'stk-push': 'amount api-key base-url color description idempotency-key json log-level phone profile reference timeout wait',
      tail: 'api-key base-url color events json last-event-id log-level profile',
      'transactions:get': 'api-key base-url color json log-level profile',
      'transactions:list': 'api-key base-url color json limit log-level profile reference starting-after status',
      trigger: 'admin-token api-key base-url color data-dir json log-level override profile result-code timeout',
      version: 'color json log-level profile',
      'webhooks:add': 'api-key base-url color events json log-level profile',
      'webhooks:deliveries': 'api-key base-url color json limit log-level profile starting-after status',
      'webhooks:enable': 'api-key base-url color json log-level profile',
      'webhooks:list': 'api-key base-url color json log-level profile',
      'webhooks:remove': 'api-key base-url color json log-level profile',
      'webhooks:resend': 'api-key base-url color json log-level profile',
      'webhooks:sign': 'body-file color event id json log-level profile secret timestamp',
      'webhooks:test': 'color json log-level profile secret',
      'webhooks:verify': 'body-file color header headers-file json log-level other-secret profile secret tolerance',
      worker: 'color database-url json log-level profile',
    })
  })
})
