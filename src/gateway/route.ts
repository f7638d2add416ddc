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
