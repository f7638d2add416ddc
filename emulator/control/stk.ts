import { z } from 'zod'
import { stkView, type Emulator } from '../emulator.js'
import { ControlError, type EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { readControlBody } from './body.js'

export const resolveInputSchema = z
  .object({ result_code: z.number().int(), result_desc: z.string().min(1).optional() })
  .strict()

/** `GET /__emulator/stk/<CheckoutRequestID>` → `{ transaction }`. */
export function getStk(em: Emulator, _req: EmRequest, id = ''): EmResponse {
  const txn = em.state.stk.get(id)
  if (!txn) throw new ControlError(404, `no STK transaction ${id}`, 'Check the CheckoutRequestID returned by the STK push.')
  return { status: 200, body: { transaction: stkView(txn) } }
}

/** `POST /__emulator/stk/<CheckoutRequestID>/resolve` with `{ result_code, result_desc? }` → `{ transaction }`. */
export function resolveStk(em: Emulator, req: EmRequest, id = ''): EmResponse {
  const input = readControlBody(req, resolveInputSchema, 'Send {"result_code": 0} (paid) or another Daraja ResultCode such as 1032.')
  return { status: 200, body: { transaction: em.resolveStk(id, input.result_code, input.result_desc) } }
}
