import { callbackRoutePath } from '../../utils/callback-paths.js'
import { applyB2cResult } from '../../core/payouts.js'
import { CALLBACK_ACK } from '../../core/stk-callback.js'
import { b2cResultSchema } from '../../schemas/daraja.js'
import { json, readJsonBody } from '../http.js'
import { defineHotRoute } from '../route.js'

export default defineHotRoute({
  method: 'POST',
  path: callbackRoutePath('b2c'),
  handler: async (ctx, event) => {
    const { data } = await readJsonBody(event, b2cResultSchema, 'Daraja B2C results are {"Result":{…}}.')
    await applyB2cResult(ctx, event.context.params?.token ?? '', data)
    return json(200, CALLBACK_ACK)
  },
})
