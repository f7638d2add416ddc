import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { H3 } from 'h3'
import { toNodeHandler } from 'h3/node'
import type { GatewayContext } from '../core/context.js'
import { CALLBACK_PREFIXES } from '../utils/callback-paths.js'
import { runRoute, type RequestHooks } from './app.js'
import { JsonAnswer } from './http.js'
import type { Answer, HotRoute, RouteEvent } from './route.js'
import callbacksB2cPost from './routes/callbacks-b2c.post.js'
import callbacksStkPost from './routes/callbacks-stk.post.js'
import stkPushPost from './routes/stk-push.post.js'

/**
 * The gateway on node:http. The three routes every payment goes through (the STK push and
 * Daraja's STK callback and B2C result) are served straight on the Node request and response,
 * with the same handlers, ids, access-log line, error answers and (in tests) contract check as
 * through h3; h3 adds a web Request wrapper, an event, a response conversion and a few web
 * `Headers` per request, about a tenth of a push's CPU time here (bench/README.md). Anything else,
 * or anything unusual about those (a query string, another method, an odd token), goes to h3.
 */
export function createRequestListener(ctx: GatewayContext, app: H3, hooks: RequestHooks): RequestListener {
  const h3 = toNodeHandler(app)
  return (req, res) => {
    const hot = req.method === 'POST' ? hotRoute(req.url ?? '') : undefined
    if (!hot) return h3(req, res)
    void serve(ctx, hooks, hot, req, res)
  }
}

const STK_CALLBACK = `${CALLBACK_PREFIXES.stk}/`
const B2C_RESULT = `${CALLBACK_PREFIXES.b2c}/`
/** Callback tokens are base62; anything else in that place is left to h3's router. */
const TOKEN = /^[0-9A-Za-z]{1,64}$/

interface Hot {
  route: HotRoute
  path: string
  params: Record<string, string>
}

function hotRoute(url: string): Hot | undefined {
  if (url === stkPushPost.path) return { route: stkPushPost, path: url, params: {} }
  for (const [prefix, route] of [
    [STK_CALLBACK, callbacksStkPost],
    [B2C_RESULT, callbacksB2cPost],
  ] as const) {
    if (url.startsWith(prefix) && TOKEN.test(url.slice(prefix.length))) return { route, path: url, params: { token: url.slice(prefix.length) } }
  }
  return undefined
}

/** Node drops repeats of these headers; h3 (srvx) sees them all, and so must the handlers (a second Authorization is refused). */
const NOT_JOINED = new Set(['authorization', 'content-length', 'content-type'])

function header(req: IncomingMessage, name: string): string | null {
  const lower = name.toLowerCase()
  const value = req.headers[lower]
  if (value === undefined) return null
  if (Array.isArray(value)) return value.join(', ')
  if (!NOT_JOINED.has(lower)) return value
  const all: string[] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === lower) all.push(req.rawHeaders[i + 1])
  return all.length > 1 ? all.join(', ') : value
}

/** The request's headers as the routes read them (`get`/`has`), straight from the Node request. */
class NodeHeaders {
  constructor(private readonly req: IncomingMessage) {}
  get(name: string): string | null {
    return header(this.req, name)
  }
  has(name: string): boolean {
    return header(this.req, name) !== null
  }
}

/** Headers a successful answer carries besides its own (the rate limiter's), as h3's `event.res.headers`. */
class SuccessHeaders {
  values: Record<string, string> | undefined
  set(name: string, value: string): void {
    ;(this.values ??= {})[name.toLowerCase()] = value
  }
}

/** What the hot routes read of a request (RouteEvent), built from the Node request without closures. */
class LightEvent implements RouteEvent {
  readonly req: RouteEvent['req']
  readonly url: { pathname: string }
  readonly context: { params: Record<string, string>; [key: string]: unknown }
  readonly res = { headers: new SuccessHeaders() }
  readonly runtime: { node: { req: IncomingMessage; res: ServerResponse } }

  constructor(req: IncomingMessage, res: ServerResponse, hot: Hot) {
    this.req = { method: 'POST', headers: new NodeHeaders(req) }
    this.url = { pathname: hot.path }
    this.context = { params: hot.params }
    this.runtime = { node: { req, res } }
  }
}

async function serve(ctx: GatewayContext, hooks: RequestHooks, hot: Hot, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const event = new LightEvent(req, res, hot)
    hooks.begin(event)
    const answer = await runRoute(ctx, hot.route.handler, event)
    const { status, headers, text } = answer instanceof JsonAnswer ? plainJson(answer, event.res.headers.values) : await plainResponse(answer as Response)
    hooks.end(status, event)
    if (hooks.contract) await hooks.contract(new Response(text, { status, headers }), event)
    headers['content-length'] = String(Buffer.byteLength(text))
    res.writeHead(status, headers)
    res.end(text)
  } catch (error) {
    // Only a bug in the lines above gets here (runRoute answers every route error).
    ctx.log.error('request.failed', { path: hot.route.path, message: error instanceof Error ? error.message : String(error) })
    if (!res.headersSent) res.writeHead(500)
    res.end()
  }
}

interface Plain {
  status: number
  /** A fresh object: the content length is added to it. */
  headers: Record<string, string>
  text: string
}

/** A success's status, headers and text; it also carries `successHeaders` (the rate limiter's), as through h3. */
function plainJson(answer: JsonAnswer, successHeaders: Record<string, string> | undefined): Plain {
  // Copied one by one into a literal: on Node 20 a spread copy that then gets fields its source
  // lacks (the rate limiter's, the content length) takes V8's slow path, ~1-3 µs per object.
  const headers: Record<string, string> = {}
  const own = answer.init.headers
  for (const name in own) headers[name] = own[name]
  if (successHeaders) for (const name in successHeaders) headers[name] = successHeaders[name]
  return { status: answer.init.status, headers, text: answer.text }
}

/** Errors (and any other answer) are web Responses. */
async function plainResponse(response: Response): Promise<Plain> {
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() }
}
