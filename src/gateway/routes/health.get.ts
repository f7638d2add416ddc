import { defineRoute } from '../route.js'
import { json } from '../http.js'

export default defineRoute({
  method: 'GET',
  path: '/health',
  handler: async (ctx) => json(200, { status: 'ok', daraja_env: ctx.config.darajaEnv }),
})
