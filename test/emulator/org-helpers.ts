import type { RunningEmulator } from '../../emulator/index.js'

/** Account Balance request as Daraja documents it; override any field. */
export function balanceBody(em: RunningEmulator, resultUrl: string, overrides: Record<string, unknown> = {}) {
  return {
    Initiator: em.credentials.initiatorName,
    SecurityCredential: em.credentials.securityCredential,
    CommandID: 'AccountBalance',
    PartyA: em.credentials.shortcode,
    IdentifierType: '4',
    Remarks: 'balance',
    QueueTimeOutURL: `${resultUrl}/timeout`,
    ResultURL: resultUrl,
    ...overrides,
  }
}

/** Reversal request with Safaricom's spelling `RecieverIdentifierType`; override any field. */
export function reversalBody(em: RunningEmulator, transactionId: string, resultUrl: string, overrides: Record<string, unknown> = {}) {
  return {
    Initiator: em.credentials.initiatorName,
    SecurityCredential: em.credentials.securityCredential,
    CommandID: 'TransactionReversal',
    TransactionID: transactionId,
    Amount: 1,
    ReceiverParty: em.credentials.shortcode,
    RecieverIdentifierType: '11',
    ResultURL: resultUrl,
    QueueTimeOutURL: `${resultUrl}/timeout`,
    Remarks: 'refund',
    Occasion: 'refund',
    ...overrides,
  }
}

/** `Working Account|KES|1199371.00|…&Utility Account|KES|…` → { 'Working Account': 1199371, … } (available funds). */
export function parseBalances(text: string): Record<string, number> {
  return Object.fromEntries(text.split('&').map((part) => {
    const [name, currency, , available] = part.split('|')
    if (currency !== 'KES') throw new Error(`bad account ${part}`)
    return [name, Number(available)]
  }))
}
