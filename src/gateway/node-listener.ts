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

function lightEvent(req: IncomingMessage, res: ServerResponse, hot: Hot, successHeaders: Record<string, string>): RouteEvent {
  return {
    req: {
      method: 'POST',
      headers: { get: (name) => header(req, name), has: (name) => header(req, name) !== null },
    },
    url: { pathname: hot.path },
    context: { params: hot.params },
    res: { headers: { set: (name, value) => void (successHeaders[name.toLowerCase()] = value) } },
    runtime: { node: { req, res } },
  }
}

async function serve(ctx: GatewayContext, hooks: RequestHooks, hot: Hot, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const successHeaders: Record<string, string> = {}
    const event = lightEvent(req, res, hot, successHeaders)
    hooks.begin(event)
    const answer = await runRoute(ctx, hot.route.handler, event)
    const { status, headers, text } = await plain(answer, successHeaders)
    hooks.end(status, event)
    if (hooks.contract) await hooks.contract(new Response(text, { status, headers }), event)
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) })
    res.end(text)
  } catch (error) {
    // Only a bug in the lines above gets here (runRoute answers every route error).
    ctx.log.error('request.failed', { path: hot.route.path, message: error instanceof Error ? error.message : String(error) })
    if (!res.headersSent) res.writeHead(500)
    res.end()
  }
}

/** Status, headers and text of an answer; a success also carries `successHeaders` (the rate limiter's), as through h3. */
async function plain(answer: Answer, successHeaders: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  if (answer instanceof JsonAnswer) return { status: answer.init.status, headers: { ...answer.init.headers, ...successHeaders }, text: answer.text }
  // Errors (and any other answer) are web Responses.
  const response = answer as Response
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() }
}
