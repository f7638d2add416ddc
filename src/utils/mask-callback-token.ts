/**
 * Daraja callback URLs carry a secret token in their last segment: whoever holds it can settle
 * the payment or payout. Anything printed or logged shows `***` in its place.
 */
export function maskCallbackToken(pathOrUrl: string): string {
  return pathOrUrl.replace(/(\/callbacks\/daraja\/(?:stk|b2c)\/)[^/?#]+/, '$1***')
}
