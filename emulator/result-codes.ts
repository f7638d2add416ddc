/** ResultDesc strings as Daraja sends them (daraja.md §3.5, §5.5); ResultCode is the contract. */
export const STK_RESULT_DESC: Record<number, string> = {
  0: 'The service request is processed successfully.',
  1: 'The balance is insufficient for the transaction.',
  2: 'Declined due to limit rule.',
  3: 'Declined due to limit rule: greater than the maximum transaction amount.',
  4: 'Declined due to limit rule: would exceed daily transfer limit.',
  8: 'Declined due to limit rule: would exceed the maximum balance.',
  17: 'Rule limited.',
  26: 'System busy. The service request is rejected.',
  1001: 'Unable to lock subscriber, a transaction is already in process for the current subscriber.',
  1019: 'Transaction has expired.',
  1025: 'An error occurred while sending a push request.',
  1032: 'Request cancelled by user',
  1037: 'No response from user.',
  2001: 'The initiator information is invalid.',
  2028: 'The request is not permitted according to product assignment.',
  8006: 'The security credential is locked.',
  9999: 'An error occurred while sending a push request.',
}

/**
 * Where the query's text differs from the callback's for the same code. Captured 2026: a dismissed
 * prompt's query said "Request Cancelled by user." while callbacks say "Request cancelled by user".
 */
export const STK_QUERY_RESULT_DESC: Record<number, string> = {
  1032: 'Request Cancelled by user.',
}

export const B2C_RESULT_DESC: Record<number, string> = {
  0: 'The service request is processed successfully.',
  1: 'The balance is insufficient for the transaction.',
  2: 'Declined due to limit rule',
  3: 'Declined due to limit rule: greater than the maximum transaction amount.',
  4: 'Declined due to limit rule: would exceed daily transfer limit',
  8: 'Declined due to limit rule: would exceed the maximum balance.',
  11: 'The DebitParty is in an invalid state.',
  17: 'System internal error.',
  21: 'The initiator is not allowed to initiate this request',
  2001: 'The initiator information is invalid.',
  2006: 'Declined due to account rule: The account status does not allow this transaction.',
  2028: 'The request is not permitted according to product assignment.',
  2040: "Credit Party customer type (Unregistered or Registered Customer) can't be supported by the service.",
  8006: 'The security credential is locked.',
}

export function stkResultDesc(code: number): string {
  return STK_RESULT_DESC[code] ?? `Emulated result ${code}.`
}

/** The query's text for a finished prompt: Daraja's query wording, unless a scenario chose its own text. */
export function stkQueryResultDesc(code: number, callbackDesc: string): string {
  if (callbackDesc !== stkResultDesc(code)) return callbackDesc
  return STK_QUERY_RESULT_DESC[code] ?? callbackDesc
}

export function b2cResultDesc(code: number): string {
  return B2C_RESULT_DESC[code] ?? `Emulated result ${code}.`
}
