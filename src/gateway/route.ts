import type { H3Event } from 'h3'
import type { GatewayContext } from '../core/context.js'

export type RouteMethod = 'GET' | 'POST' | 'DELETE'

/** One endpoint: the handler only connects HTTP to a use-case and returns a Response. */
export interface Route {
  method: RouteMethod
  path: string
  handler: (ctx: GatewayContext, event: H3Event) => Promise<Response>
}

export const defineRoute = (route: Route): Route => route
