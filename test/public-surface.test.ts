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
      'createGateway',
      'createWebhookBodySchema',
      'createdWebhookEndpointSchema',
      'daraja',
      'deliveryAttemptSchema',
      'errorBodySchema',
      'eventTypeSchema',
      'idempotencyKeySchema',
      'listTransactionsQuerySchema',
      'normalizePhone',
      'parseSse',
      'payoutViewSchema',
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
      'DEFAULT_SECURITY_CREDENTIAL',
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
    const connection = 'api-key base-url json profile'
    const admin = 'admin-token base-url data-dir json profile'
    expect(surface).toEqual({
      'accounts:create': 'account-number admin-token base-url data-dir json name payout-bank payout-mpesa payout-paybill payout-till profile',
      'accounts:list': admin,
      'config:set': 'admin-token api-key base-url data-dir json profile',
      'config:show': 'admin-token api-key base-url data-dir json profile',
      dashboard: 'base-url json open profile',
      'emulator:resolve': 'base-url emulator-url json profile result-code',
      'emulator:start': 'callback-delay-ms consumer-key consumer-secret host json passkey port profile shortcode token-ttl-s',
      'keys:create': 'account admin-token base-url data-dir json mode name profile',
      'keys:list': admin,
      'keys:revoke': admin,
      listen: 'api-key base-url events forward-to json print-response profile secret',
      'payouts:list': 'admin-token base-url data-dir json limit profile status',
      'payouts:settle': 'admin-token base-url data-dir json mpesa-receipt profile',
      serve: 'data-dir host json port profile',
      'stk-push': 'amount api-key base-url description idempotency-key json phone profile reference timeout wait',
      tail: 'api-key base-url events json last-event-id profile',
      'transactions:get': connection,
      'transactions:list': 'api-key base-url json limit profile starting-after status',
      trigger: 'admin-token api-key base-url data-dir json profile result-code timeout',
      'webhooks:add': 'api-key base-url events json profile',
      'webhooks:deliveries': 'api-key base-url json limit profile status',
      'webhooks:list': connection,
      'webhooks:enable': connection,
      'webhooks:remove': connection,
      'webhooks:resend': connection,
    })
  })
})
