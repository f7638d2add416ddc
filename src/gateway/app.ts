import { H3, HTTPError } from 'h3'
import type { GatewayContext } from '../core/context.js'
import { DomainError } from '../core/errors.js'
import { isStorageError } from '../store/errors.js'
import { maskCallbackToken } from '../utils/callback-paths.js'
import { contractRecorder, type ContractHook } from './contract-recorder.js'
import { ApiError, errors, fromDomainError, storageUnavailable } from './errors.js'
import { json } from './http.js'
import type { Answer, Route, RouteEvent } from './route.js'
import { routes } from './routes/index.js'

/** Runs a route; every error becomes its `{error, hint, detail}` answer (a 500 for a bug, logged). */
export async function runRoute<E extends RouteEvent>(ctx: GatewayContext, handler: (ctx: GatewayContext, event: E) => Promise<Answer>, event: E): Promise<Answer> {
  try {
    return await handler(ctx, event)
  } catch (error) {
    if (isStorageError(error)) ctx.log.error('request.storage_failed', { path: maskCallbackToken(event.url.pathname), reason: error.reason, message: error.message })
    const answer = isStorageError(error) ? storageUnavailable(error) : error instanceof DomainError ? fromDomainError(error) : error
    if (answer instanceof ApiError) return json(answer.status, answer.body(), answer.headers)
    const requestId = (event.context.requestId as string | undefined) ?? 'unknown'
    ctx.log.error('request.failed', { request_id: requestId, path: maskCallbackToken(event.url.pathname), message: error instanceof Error ? error.message : String(error) })
    return json(500, errors.internal(requestId).body())
  }
}

/** What every request gets, through h3 or straight on node:http (node-listener.ts): an id, and one access-log line. */
export interface RequestHooks {
  begin(event: RouteEvent): void
  /** The access-log line for an answer with this status. */
  end(status: number, event: RouteEvent): void
  /** Tests only (MPG_CONTRACT_CHECK_FILE): the answer held to the OpenAPI document before it is sent. */
  contract: ContractHook | undefined
}

export function requestHooks(ctx: GatewayContext): RequestHooks {
  let requestCounter = 0
  return {
    begin(event) {
      event.context.startedAt = performance.now()
      event.context.requestId = `req_${(++requestCounter).toString(36)}`
    },
    end(status, event) {
      const started = event.context.startedAt as number | undefined
      ctx.log.info('request', {
        request_id: event.context.requestId,
        method: event.req.method,
        path: maskCallbackToken(event.url.pathname),
        status,
        duration_ms: started === undefined ? undefined : Math.round((performance.now() - started) * 10) / 10,
      })
    },
    contract: contractRecorder(),
  }
}

/** The gateway's h3 app: every route from routes/, errors as `{error, hint, detail}`, one access-log line per request. */
export function createApp(ctx: GatewayContext, extraRoutes: Route[] = [], hooks: RequestHooks = requestHooks(ctx)): H3 {
  const { contract } = hooks
  const app = new H3({
    onRequest(event) {
      hooks.begin(event)
    },
    onError(error, event) {
      // Only h3's own errors reach here (unknown path, bad URL); route errors are answered in runRoute.
      const status = HTTPError.isError(error) ? error.status : 500
      if (status === 404) return json(404, errors.routeNotFound(event.req.method, maskCallbackToken(event.url.pathname)).body())
      if (status === 405) return json(405, errors.methodNotAllowed(event.req.method).body())
      if (status < 500) return json(status, new ApiError(status, 'Bad request', 'Check the request URL and headers.', '').body())
      return json(500, errors.internal(String(event.context.requestId ?? 'unknown')).body())
    },
    onResponse(response, event) {
      hooks.end(response.status, event)
      // Tests only (MPG_CONTRACT_CHECK_FILE): h3 waits for it, so a drift is on file before the client has the answer.
      if (contract) return contract(response, event)
    },
  })
  for (const route of [...routes, ...extraRoutes]) {
    app.on(route.method, route.path, (event) => runRoute(ctx, route.handler, event))
  }
  return app
}
