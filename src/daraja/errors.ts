/**
 * Why a Daraja call did not succeed. `refused`: Daraja answered with an error envelope;
 * `unreachable`: no HTTP answer (network, timeout); `bad_answer`: an answer we cannot read.
 */
export class DarajaCallError extends Error {
  constructor(
    readonly kind: 'refused' | 'unreachable' | 'bad_answer',
    readonly status: number | null,
    readonly errorCode: string | null,
    readonly errorMessage: string,
    /** The request may have reached Daraja (timed out waiting): the outcome is unknown, not failed. */
    readonly ambiguous = false,
  ) {
    super(errorCode ? `Daraja ${errorCode}: ${errorMessage}` : `Daraja: ${errorMessage}`)
    this.name = 'DarajaCallError'
  }
}

/** The per-product invalid-token codes (daraja.md §1.4): any of them means "fetch a new token". */
export const INVALID_TOKEN_CODES = new Set(['404.001.03', '401.002.01', '400.003.01', '401.001'])

/**
 * Daraja's gateway said "not now" rather than the business rule saying "no": its 5xx answers
 * (`500.003.1001` Internal Server Error, `500.003.02` spike arrest, `500.003.03` quota), 429/503,
 * no answer at all, or an answer we cannot read. Worth the same request again later.
 */
export function isTransient(error: DarajaCallError): boolean {
  if (isDuplicateRequest(error)) return false
  if (error.kind === 'unreachable') return true
  if (error.kind === 'bad_answer') return error.ambiguous
  if (error.status !== null && (error.status >= 500 || error.status === 429)) return true
  return error.errorCode !== null && TRANSIENT_ERROR_CODES.has(error.errorCode)
}

const TRANSIENT_ERROR_CODES = new Set(['500.003.1001', '500.003.02', '500.003.03'])

/** `500.002.1001 Duplicate OriginatorConversationID.`: an earlier request with this id was taken. */
export function isDuplicateRequest(error: DarajaCallError): boolean {
  return error.errorCode === '500.002.1001' && /duplicate/i.test(error.errorMessage)
}
