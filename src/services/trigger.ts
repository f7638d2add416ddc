import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { admin, type PayoutAccountInput } from '../client/admin.js'
import { GatewayClient } from '../client/gateway-client.js'
import { configDir, resolveSettings, type ClientSettings, type SettingsInput } from '../cli/settings.js'
import { isMpgError, MpgError } from '../errors.js'
import type { Transaction } from '../schemas/gateway.js'
import { armNextB2cResult, removeScenario } from './emulator-control.js'
import { followTransaction } from './follow-transaction.js'
import { B2C_FAILING_PHONE, FAILURE_PHONES, PAYING_PHONE } from './test-phones.js'

export const TRIGGER_EVENTS = ['payment.success', 'payment.failed', 'payout.success', 'payout.failed', 'payout.pending_manual'] as const
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number]


/**
 * Dedicated test accounts for payout outcomes the key's own account cannot produce. Found by name
 * (created on first use) through the admin API. payout.failed uses one only when the gateway's
 * Daraja is not an emulator whose B2C outcome can be set.
 */
const TRIGGER_ACCOUNTS: Partial<Record<TriggerEvent, { name: string; payout: PayoutAccountInput }>> = {
  'payout.failed': { name: 'mpg trigger: payout.failed', payout: { type: 'mpesa', phone: B2C_FAILING_PHONE } },
  'payout.pending_manual': { name: 'mpg trigger: payout.pending_manual', payout: { type: 'paybill', paybill: '888880', account_number: 'MPG-TRIGGER' } },
}

export interface TriggerInput {
  event: TriggerEvent
  /** payment.failed only: 1032 (default), 1037, 1 or 2001. */
  resultCode?: string
  /** `--override`: fields of the STK push instead of the trigger's defaults. */
  overrides?: TriggerOverrides
  timeoutMs: number
  signal?: AbortSignal
  onProgress?: (text: string) => void
}

export interface TriggerOverrides {
  phone?: string
  amount?: number
  reference?: string
  description?: string
}

/** Whose account the flow ran on: the API key's own, or a dedicated test account. */
export type TriggerAccount = { source: 'api_key' } | { source: 'dedicated'; id: string; name: string }

export interface TriggerResult {
  event: TriggerEvent
  transaction_id: string
  account: TriggerAccount
  status: Transaction['status']
  result_code: string | null
  payout_status: string | null
  transaction: Transaction
}

/**
 * `mpg trigger`: drives a real flow through the gateway and its Daraja (the emulator) that ends in
 * the given event, and waits for that outcome. Test mode only. payment.* and payout.success use the
 * key's own account (its payout account must be an M-Pesa phone for payout.success); payout.failed
 * and payout.pending_manual use dedicated accounts made with the admin token, whose events go to
 * those accounts' streams and webhooks.
 */
export async function triggerService(flags: SettingsInput['flags'], input: TriggerInput): Promise<TriggerResult> {
  const settings = resolveSettings({ flags })
  const dedicated = TRIGGER_ACCOUNTS[input.event]
  if (input.resultCode !== undefined && input.event !== 'payment.failed') {
    throw new MpgError('usage', '--result-code goes with payment.failed only.', { suggestion: 'Drop --result-code.' })
  }
  const resultCode = input.resultCode ?? '1032'
  if (input.event === 'payment.failed' && !FAILURE_PHONES[resultCode]) {
    throw new MpgError('usage', `--result-code ${resultCode} cannot be triggered.`, { suggestion: `Use one of ${Object.keys(FAILURE_PHONES).join(', ')}.` })
  }
  if (settings.apiKey && !settings.apiKey.value.startsWith('mpg_test_')) {
    throw new MpgError('usage', 'mpg trigger runs in test mode only, and the API key is not a test key.', {
      suggestion: 'Use an mpg_test_… key (--api-key or MPG_API_KEY) against a gateway on the emulator or the sandbox.',
    })
  }

  let client: GatewayClient
  let account: TriggerAccount = { source: 'api_key' }
  let armed: { emulatorUrl: string; scenarioId: string } | undefined
  const ownClient = new GatewayClient({ baseUrl: settings.baseUrl.value, apiKey: settings.apiKey?.value })
  if (input.event === 'payout.failed' && settings.apiKey) {
    // On the emulator, the key's own account can fail a payout: the next B2C gets result 1.
    const health = await ownClient.health()
    if (health.daraja_env === 'emulator' && health.emulator_url) {
      armed = { emulatorUrl: health.emulator_url, scenarioId: await armNextB2cResult(health.emulator_url, 1) }
    }
  }
  if (armed) {
    client = ownClient
  } else if (dedicated) {
    const found = await dedicatedAccount(settings, dedicated, input.onProgress)
    client = found.client
    account = { source: 'dedicated', id: found.accountId, name: dedicated.name }
  } else {
    client = ownClient
  }
  try {
    return await runFlow(client, account, input, resultCode, input.onProgress)
  } finally {
    if (armed) await removeScenario(armed.emulatorUrl, armed.scenarioId)
  }
}

async function runFlow(client: GatewayClient, account: TriggerResult['account'], input: TriggerInput, resultCode: string, onProgress?: (text: string) => void): Promise<TriggerResult> {

  const o = input.overrides ?? {}
  const phone = o.phone ?? (input.event === 'payment.failed' ? FAILURE_PHONES[resultCode] : PAYING_PHONE)
  onProgress?.(`STK push to ${phone}…`)
  const pushed = await client.stkPush({
    phone,
    amount: o.amount ?? 10,
    reference: o.reference ?? `TRIGGER-${input.event}`.slice(0, 40),
    description: o.description ?? `mpg trigger ${input.event}`,
  })
  onProgress?.(`Waiting for ${input.event} on ${pushed.transaction_id}…`)

  const wantsPayout = input.event.startsWith('payout.')
  const followed = await followTransaction(client, pushed.transaction_id, {
    until: (t) => t.status === 'failed' || (t.status === 'success' && (!wantsPayout || (t.payout !== null && t.payout.status !== 'pending'))),
    timeoutMs: input.timeoutMs,
    useStream: false,
    pollIntervalMs: 250,
    signal: input.signal,
  })
  const t = followed.transaction
  const result: TriggerResult = {
    event: input.event,
    transaction_id: t.id,
    account,
    status: t.status,
    result_code: t.result_code,
    payout_status: t.payout?.status ?? null,
    transaction: t,
  }
  if (!followed.reached) {
    throw new MpgError('timeout', `${input.event} did not happen within ${Math.round(input.timeoutMs / 1000)} s (transaction ${t.id} is ${t.status}${t.payout ? `, payout ${t.payout.status}` : ''}).`, {
      suggestion: 'Check that the gateway runs on the emulator (`mpg serve` without DARAJA_* settings), or raise --timeout.',
      detail: result,
    })
  }
  const reached = wantsPayout || t.status === 'failed' ? endedIn(t) : 'payment.success'
  if (reached !== input.event) {
    throw new MpgError('conflict', `The flow ended in ${reached ?? t.status}, not ${input.event} (transaction ${t.id}).`, {
      suggestion:
        input.event === 'payout.success' || input.event === 'payout.failed'
          ? `${input.event} needs the key's account to pay out to an M-Pesa phone (the default account's does): use the default account's key.`
          : 'Check that the gateway runs on the emulator, whose test phones decide the outcome.',
      detail: result,
    })
  }
  return result
}

/** The last event a transaction's state implies. */
function endedIn(t: Transaction): TriggerEvent | undefined {
  if (t.status === 'failed') return 'payment.failed'
  if (t.status !== 'success') return undefined
  switch (t.payout?.status) {
    case 'success':
      return 'payout.success'
    case 'failed':
      return 'payout.failed'
    case 'pending_manual':
    case 'settled':
      return 'payout.pending_manual'
    default:
      return 'payment.success'
  }
}

interface StoredKeys {
  [baseUrlAndAccount: string]: string
}

function keysFile(): string {
  return join(configDir(), 'trigger-keys.json')
}

function readKeys(): StoredKeys {
  try {
    return JSON.parse(readFileSync(keysFile(), 'utf8')) as StoredKeys
  } catch {
    return {}
  }
}

function writeKeys(keys: StoredKeys): void {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 })
  writeFileSync(keysFile(), `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 })
}

/**
 * The dedicated account for an outcome and a test key of it. The key is kept in the config dir
 * (`trigger-keys.json`, 0600) per gateway URL and account, and replaced when the gateway refuses it.
 */
async function dedicatedAccount(settings: ClientSettings, spec: { name: string; payout: PayoutAccountInput }, onProgress?: (text: string) => void) {
  if (!settings.adminToken) {
    throw new MpgError('auth', `Triggering this event needs a test account with its own payout account, made with the admin token, and there is none.`, {
      suggestion: 'Set MPG_ADMIN_TOKEN, pass --admin-token, or run from the folder holding the gateway data dir (--data-dir).',
    })
  }
  const adminClient = new GatewayClient({ baseUrl: settings.baseUrl.value, adminToken: settings.adminToken.value })
  const accounts = await admin.listAccounts(adminClient)
  let account = accounts.find((a) => a.name === spec.name)
  if (!account) {
    onProgress?.(`Creating the test account "${spec.name}"…`)
    account = await admin.createAccount(adminClient, { name: spec.name, payout_account: spec.payout })
  }
  const slot = `${settings.baseUrl.value} ${account.id}`
  const keys = readKeys()
  if (keys[slot]) {
    const client = new GatewayClient({ baseUrl: settings.baseUrl.value, apiKey: keys[slot] })
    try {
      await client.listTransactions({ limit: 1 })
      return { client, accountId: account.id }
    } catch (error) {
      if (!isMpgError(error) || error.kind !== 'auth') throw error
    }
  }
  const created = await admin.createKey(adminClient, { account_id: account.id, mode: 'test', name: 'mpg trigger' })
  writeKeys({ ...keys, [slot]: created.key })
  return { client: new GatewayClient({ baseUrl: settings.baseUrl.value, apiKey: created.key }), accountId: account.id }
}
