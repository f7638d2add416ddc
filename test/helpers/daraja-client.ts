import type { RunningEmulator } from '../../emulator/index.js'
import { createDarajaClient, type DarajaClient, type DarajaSettings } from '../../src/daraja/client.js'
import { SANDBOX_PASSKEY } from '../../src/schemas/daraja.js'

/** A Daraja client for `emulator`'s sandbox shortcode and B2C operator; `extra` overrides a setting (timeout, thread). */
export function emulatorClient(emulator: RunningEmulator, extra: Partial<DarajaSettings> = {}): DarajaClient {
  return createDarajaClient({
    baseUrl: emulator.url,
    consumerKey: emulator.credentials.consumerKey,
    consumerSecret: emulator.credentials.consumerSecret,
    shortcode: '174379',
    passkey: SANDBOX_PASSKEY,
    transactionType: 'CustomerPayBillOnline',
    b2cShortcode: emulator.credentials.b2cShortcode,
    initiatorName: emulator.credentials.initiatorName,
    securityCredential: emulator.credentials.securityCredential,
    timeoutMs: 2000,
    ...extra,
  })
}
