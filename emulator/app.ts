import { H3, HTTPResponse } from 'h3'
import { CONTROL_PREFIX, handleControl } from './control/router.js'
import type { Emulator } from './emulator.js'
import { DarajaErrors, darajaError, type EmResponse } from './errors.js'
import type { EmRequest } from './http.js'
import { accountBalance } from './routes/account-balance.js'
import { b2cPayment } from './routes/b2c.js'
import { c2bRegister, c2bSimulate } from './routes/c2b.js'
import { reversal } from './routes/reversal.js'
import { oauthGenerate } from './routes/oauth.js'
import { stkPush } from './routes/stk-push.js'
import { stkQuery } from './routes/stk-query.js'
import { transactionStatus } from './routes/transaction-status.js'
import type { FaultEndpoint } from './faults.js'
import type { RequestEntry } from './state.js'
import { parseJsonObject } from './validate.js'
import { toWireJson } from './wire-json.js'

type Endpoint = NonNullable<RequestEntry['endpoint']>
interface DarajaRoute {
  method: 'GET' | 'POST'
  endpoint: Endpoint
  fault: Exclude<FaultEndpoint, 'any'>
  handler: (em: Emulator, req: EmRequest) => EmResponse
}

/** Daraja's paths, exactly (daraja.md §1–§5). Everything else is `404.001.01`. */
export const DARAJA_ROUTES: Record<string, DarajaRoute> = {
  '/oauth/v1/generate': { method: 'GET', endpoint: 'oauth', fault: 'oauth', handler: oauthGenerate },
  '/mpesa/stkpush/v1/processrequest': { method: 'POST', endpoint: 'stk_push', fault: 'stk_push', handler: stkPush },
  '/mpesa/stkpushquery/v1/query': { method: 'POST', endpoint: 'stk_query', fault: 'stk_query', handler: stkQuery },
  '/mpesa/b2c/v1/paymentrequest': { method: 'POST', endpoint: 'b2c_v1', fault: 'b2c', handler: b2cPayment('v1') },
  '/mpesa/b2c/v3/paymentrequest': { method: 'POST', endpoint: 'b2c_v3', fault: 'b2c', handler: b2cPayment('v3') },
  '/mpesa/accountbalance/v1/query': { method: 'POST', endpoint: 'account_balance', fault: 'account_balance', handler: accountBalance },
  '/mpesa/reversal/v1/request': { method: 'POST', endpoint: 'reversal', fault: 'reversal', handler: reversal },
  '/mpesa/c2b/v1/registerurl': { method: 'POST', endpoint: 'c2b_register_v1', fault: 'c2b', handler: c2bRegister('v1') },
  '/mpesa/c2b/v2/registerurl': { method: 'POST', endpoint: 'c2b_register_v2', fault: 'c2b', handler: c2bRegister('v2') },
  '/mpesa/c2b/v1/simulate': { method: 'POST', endpoint: 'c2b_simulate_v1', fault: 'c2b', handler: c2bSimulate },
  '/mpesa/c2b/v2/simulate': { method: 'POST', endpoint: 'c2b_simulate_v2', fault: 'c2b', handler: c2bSimulate },
  '/mpesa/transactionstatus/v1/query': { method: 'POST', endpoint: 'transaction_status', fault: 'transaction_status', handler: transactionStatus },
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `reset`: a fault destroyed the connection instead of answering (after the handler ran, when `after`). */
type Handled = { res: EmResponse; endpoint: Endpoint | null; reset?: boolean }

async function handleDaraja(em: Emulator, req: EmRequest): Promise<Handled> {
  const route = DARAJA_ROUTES[req.path]
  if (!route) return { res: darajaError(DarajaErrors.resourceNotFound, em.ids.serverId()), endpoint: null }
  if (req.method !== route.method) return { res: darajaError(DarajaErrors.methodNotAllowed, em.ids.serverId()), endpoint: route.endpoint }
  const latency = em.faults.takeLatency(route.fault)
  if (latency > 0) await sleep(latency)
  const reset = em.faults.takeReset(route.fault)
  if (reset && !reset.after) return { res: { status: 0, body: null }, endpoint: route.endpoint, reset: true }
  const fault = em.faults.takeError(route.fault)
  if (fault) return { res: darajaError(fault, em.ids.serverId()), endpoint: route.endpoint }
  // OAuth is left out: clients that fetch a token before every call would trip it twice as fast.
  if (route.fault !== 'oauth' && em.spikeArrest?.arrests(route.fault, em.now().getTime())) {
    return { res: darajaError(DarajaErrors.spikeArrest, em.ids.serverId()), endpoint: route.endpoint }
  }
  const res = route.handler(em, req)
  if (res.after) await res.after
  return { res, endpoint: route.endpoint, reset: reset !== undefined }
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** h3's light response: on node:http its string is written straight out (a web Response is read back through a stream). */
function toResponse(res: EmResponse): HTTPResponse {
  if (res.body === undefined) return new HTTPResponse(null, { status: res.status })
  return new HTTPResponse(toWireJson(res.body), { status: res.status, headers: JSON_HEADERS })
}

/** The emulator's h3 app: Daraja's surface plus the control API under `/__emulator/`. */
export function createEmulatorApp(em: Emulator): H3 {
  // A malformed path (`/mpesa/%E0%A4%A`) reaches the route table undecoded and gets Daraja's own
  // 404.001.01 envelope, not h3's generic 400 body.
  const app = new H3({ allowMalformedURL: true })
  app.use(async (event) => {
    const url = event.url
    const bodyText = event.req.method === 'GET' || event.req.method === 'HEAD' ? '' : await event.req.text()
    let json: Record<string, unknown> | undefined | null = null
    const req: EmRequest = {
      method: event.req.method.toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: event.req.headers,
      bodyText,
      get json() {
        if (json === null) json = bodyText === '' ? undefined : parseJsonObject(bodyText)
        return json
      },
    }
    if (req.path.startsWith(CONTROL_PREFIX)) return toResponse(handleControl(em, req))

    const started = performance.now()
    const at = em.now().toISOString()
    const { res, endpoint, reset } = await handleDaraja(em, req)
    em.record({
      id: em.state.nextRequestId(),
      at,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      endpoint,
      status: reset ? 0 : res.status,
      // Node's own header object (lower-case names, built once per request) rather than a copy.
      request: { headers: (event.runtime?.node?.req.headers as Record<string, string> | undefined) ?? Object.fromEntries(req.headers), body: bodyText === '' ? null : (req.json ?? bodyText) },
      response: { body: res.body ?? null },
      duration_ms: Math.round(performance.now() - started),
    })
    if (reset) {
      // Recorded with status 0: the caller got no answer at all.
      event.runtime?.node?.req.socket.destroy()
      return new HTTPResponse(null, { status: 500 })
    }
    return toResponse(res)
  })
  return app
}
