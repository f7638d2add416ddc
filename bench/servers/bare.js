// The baseline: a bare h3 POST handler that validates the STK push body with zod and answers 201.
// Same framework, same Node server wiring (toNodeHandler + node:http) and same body as the gateway,
// but no auth, store, Daraja call or logging. Prints {"url"} as its first stdout line.
import { createServer } from 'node:http'
import { H3 } from 'h3'
import { toNodeHandler } from 'h3/node'
import { z } from 'zod'

const body = z.object({
  amount: z.number().int().min(1).max(150_000),
  phone: z.string().regex(/^(?:\+?254|0)[71]\d{8}$/),
  reference: z.string().trim().min(1).max(40),
  description: z.string().trim().min(1).max(60),
})

const app = new H3()
app.post('/api/v1/stk-push', async (event) => {
  const parsed = body.safeParse(await event.req.json().catch(() => undefined))
  if (!parsed.success) {
    return new Response(JSON.stringify({ error: 'Validation failed', hint: '', detail: '' }), { status: 400, headers: { 'content-type': 'application/json' } })
  }
  return new Response(JSON.stringify({ success: true, amount: parsed.data.amount, status: 'pending' }), {
    status: 201,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  })
})

const server = createServer(toNodeHandler(app))
server.keepAliveTimeout = 5000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
