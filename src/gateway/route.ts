import type { H3Event, HTTPResponse } from 'h3'
import type { GatewayContext } from '../core/context.js'

/** What a handler answers with: `json()`'s light response, or a web `Response` (streams, files). */
export type Answer = Response | HTTPResponse

export type RouteMethod = 'GET' | 'POST' | 'DELETE'

/** One endpoint: the handler only connects HTTP to a use-case and returns a Response. */
export interface Route {
  method: RouteMethod
  path: string
  handler: (ctx: GatewayContext, event: H3Event) => Promise<Answer>
}

export const defineRoute = (route: Route): Route => route

/**
 * What the hot routes (STK push, Daraja's two callbacks) read of a request: an h3 event has all
 * of it, and so has the light event node-listener.ts serves them with straight on node:http.
 */
export interface RouteEvent {
  req: {
    method: string
    headers: { get(name: string): string | null; has(name: string): boolean }
    /** The body as a web stream (h3 on other runtimes); node:http requests are read from `runtime.node.req`. */
    body?: ReadableStream<Uint8Array> | null
  }
  url: { pathname: string }
  context: { params?: Record<string, string>; requestId?: unknown; [key: string]: unknown }
  /** Headers for a successful answer (the rate limiter's). */
  res: { headers: { set(name: string, value: string): void } }
  /** The node:http request and response under it, when served by node:http (Http2 ones are not read directly). */
  runtime?: { node?: { req?: unknown; res?: unknown } }
}

/** A hot route: served by h3 like every route, and on node:http without it (node-listener.ts). */
export interface HotRoute extends Route {
  handler: (ctx: GatewayContext, event: RouteEvent) => Promise<Answer>
}

export const defineHotRoute = (route: HotRoute): HotRoute => route
