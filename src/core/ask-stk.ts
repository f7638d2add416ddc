import { DarajaCallError, isTransient } from '../daraja/errors.js'
import type { GatewayContext } from './context.js'

/** Daraja's answer about one payment, in reconcile's words. */
export interface StkAnswer {
  daraja: 'paid' | 'failed' | 'processing' | 'no_answer'
  /** Result code and description as Daraja gave them (or its error). */
  detail: string
}

/** Query answers that mean "no answer yet", never "failed". */
const PROCESSING_RESULT = '4999'
const PROCESSING_ERROR = '500.001.1001'
/** Waits after a transient refusal (spike arrest, quota, outage) before asking the same question again. */
const RETRY_WAITS_MS = [500, 2000]

/** Asks STK Query about one CheckoutRequestID at `pace`; a transient refusal is asked again after a short wait. */
export async function askStk(ctx: GatewayContext, checkoutRequestId: string, pace: () => Promise<void>): Promise<StkAnswer> {
  for (let attempt = 0; ; attempt++) {
    await pace()
    try {
      const { data } = await ctx.daraja.stkQuery(checkoutRequestId)
      const code = String(data.ResultCode)
      const detail = `${code} ${data.ResultDesc}`
      if (code === PROCESSING_RESULT) return { daraja: 'processing', detail }
      return { daraja: code === '0' ? 'paid' : 'failed', detail }
    } catch (error) {
      if (!(error instanceof DarajaCallError)) throw error
      const detail = error.errorCode ? `${error.errorCode} ${error.errorMessage}` : error.errorMessage
      if (error.errorCode === PROCESSING_ERROR) return { daraja: 'processing', detail }
      if (!isTransient(error) || attempt >= RETRY_WAITS_MS.length) return { daraja: 'no_answer', detail }
      await new Promise((resolve) => setTimeout(resolve, RETRY_WAITS_MS[attempt]))
    }
  }
}
