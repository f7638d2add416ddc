import { callbackRoutePath } from '../../utils/callback-paths.js'
import { applyStkCallback, CALLBACK_ACK } from '../../core/stk-callback.js'
import { stkCallbackSchema } from '../../schemas/daraja.js'
import { json, readJsonBody } from '../http.js'
import { defineHotRoute } from '../route.js'

export default defineHotRoute({
  method: 'POST',
  path: callbackRoutePath('stk'),
  handler: async (ctx, event) => {
    const { data } = await readJsonBody(event, stkCallbackSchema, 'Daraja STK callbacks are {"Body":{"stkCallback":{…}}}.')
    await applyStkCallback(ctx, event.context.params?.token ?? '', data)
    return json(200, CALLBACK_ACK)
  },
})
