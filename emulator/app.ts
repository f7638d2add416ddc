import type { IncomingMessage, ServerResponse } from 'node:http'
import { isoTime } from '../src/utils/iso-time.js'
import { CONTROL_PREFIX, handleControl } from './control/router.js'
import type { Emulator } from './emulator.js'
import { DarajaErrors, darajaError, type EmResponse } from './errors.js'
import { emRequest, type EmRequest } from './http.js'
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

/** Answers at once unless a latency fault or a callback that must overtake the answer holds it back. */
function handleDaraja(em: Emulator, req: EmRequest): Handled | Promise<Handled> {
  const route = Object.hasOwn(DARAJA_ROUTES, req.path) ? DARAJA_ROUTES[req.path] : undefined
  if (!route) return { res: darajaError(DarajaErrors.resourceNotFound, em.ids.serverId()), endpoint: null }
  if (req.method !== route.method) return { res: darajaError(DarajaErrors.methodNotAllowed, em.ids.serverId()), endpoint: route.endpoint }
  const latency = em.faults.takeLatency(route.fault)
  if (latency > 0) return sleep(latency).then(() => runRoute(em, req, route))
  return runRoute(em, req, route)
}

function runRoute(em: Emulator, req: EmRequest, route: DarajaRoute): Handled | Promise<Handled> {
  const reset = em.faults.takeReset(route.fault)
  if (reset && !reset.after) return { res: { status: 0, body: null }, endpoint: route.endpoint, reset: true }
  const fault = em.faults.takeError(route.fault)
  if (fault) return { res: darajaError(fault, em.ids.serverId()), endpoint: route.endpoint }
  // OAuth is left out: clients that fetch a token before every call would trip it twice as fast.
  if (route.fault !== 'oauth' && em.spikeArrest?.arrests(route.fault, em.nowMs())) {
    return { res: darajaError(DarajaErrors.spikeArrest, em.ids.serverId()), endpoint: route.endpoint }
  }
  const res = route.handler(em, req)
  const handled = { res, endpoint: route.endpoint, reset: reset !== undefined }
  return res.after ? res.after.then(() => handled, () => handled) : handled
}

const EMPTY_HEADERS = { 'content-length': '0' }

/** One write: the JSON text with its length (a Daraja answer is small and complete before it is sent). */
function send(nodeRes: ServerResponse, res: EmResponse): void {
  if (res.body === undefined) {
    nodeRes.writeHead(res.status, EMPTY_HEADERS)
    nodeRes.end()
    return
  }
  const text = toWireJson(res.body)
  nodeRes.writeHead(res.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  nodeRes.end(text)
}

/**
 * The emulator's HTTP surface on node:http: Daraja's paths plus the control API under
 * `/__emulator/`. Handlers are plain functions of an EmRequest, so no framework sits in between:
 * the body is read from the Node request and each answer is written in one `end` (this is the hot
 * path of every test suite and of the bench).
 */
export function createEmulatorListener(em: Emulator): (req: IncomingMessage, res: ServerResponse) => void {
  const failed = (nodeRes: ServerResponse, control: boolean, error: unknown) => {
    console.error('[emulator] failed to answer:', error)
    if (nodeRes.headersSent) return void nodeRes.destroy()
    send(
      nodeRes,
      control
        ? { status: 500, body: { error: 'the emulator failed to answer this request', hint: 'This is a bug in the emulator: please report it with the request.' } }
        : darajaError(DarajaErrors.internalServerError, em.ids.serverId()),
    )
  }

  const finish = (nodeReq: IncomingMessage, nodeRes: ServerResponse, req: EmRequest, handled: Handled, at: string, started: number) => {
    const { res, endpoint, reset } = handled
    em.record({
      id: em.state.nextRequestId(),
      at,
      method: req.method,
      path: `${req.path}${req.search}`,
      endpoint,
      status: reset ? 0 : res.status,
      // Node's own header object (lower-case names, built once per request) rather than a copy.
      request: { headers: req.headers as Record<string, string>, body: req.bodyText === '' ? null : (req.json ?? req.bodyText) },
      response: { body: res.body ?? null },
      duration_ms: Math.round(performance.now() - started),
    })
    // Recorded with status 0: the caller gets no answer at all.
    if (reset) nodeReq.socket.destroy()
    else send(nodeRes, res)
  }

  const answer = (nodeReq: IncomingMessage, nodeRes: ServerResponse, bodyText: string) => {
    let control = false
    try {
      const req = emRequest(nodeReq, bodyText)
      control = req.path.startsWith(CONTROL_PREFIX)
      if (control) return send(nodeRes, handleControl(em, req))
      const started = performance.now()
      // isoTime: the same text as toISOString, its second's part made once a second.
      const at = isoTime(em.nowMs())
      const handled = handleDaraja(em, req)
      if (handled instanceof Promise) {
        handled.then((h) => finish(nodeReq, nodeRes, req, h, at, started)).catch((error: unknown) => failed(nodeRes, false, error))
      } else finish(nodeReq, nodeRes, req, handled, at, started)
    } catch (error) {
      failed(nodeRes, control, error)
    }
  }

  return (nodeReq, nodeRes) => {
    if (nodeReq.method === 'GET' || nodeReq.method === 'HEAD') return answer(nodeReq, nodeRes, '')
    let first: Buffer | undefined
    let more: Buffer[] | undefined
    nodeReq.on('data', (chunk: Buffer) => {
      if (!first) first = chunk
      else (more ??= [first]).push(chunk)
    })
    nodeReq.on('end', () => answer(nodeReq, nodeRes, first === undefined ? '' : more ? Buffer.concat(more).toString() : first.toString()))
  }
}
