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
